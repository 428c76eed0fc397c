/**
 * The engine's video frames: an encoded frame is decoded by the image path's decoder (sharp) to the pixels it
 * was made from, a frame that does not decode is named with what to do, and the feature key changes with
 * any frame or the plan and with nothing else.
 */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { VideoPart } from '../../app/chat.ts';
import type { VideoPlan } from '../../app/video-plan.ts';
import { imageHash } from '../image/decode.ts';
import { hugePngHeader } from '../testing/images.ts';
import { decodeFrames, videoKey } from './video.ts';

/** Seeded-looking pixels and the PNG sharp makes of them: the decoded frame must be these pixels. */
async function pngFrame(width: number, height: number, seed: number) {
  const pixels = new Uint8Array(width * height * 3).map((_, i) => (i * 31 + seed * 17) % 256);
  const png = new Uint8Array(
    await sharp(pixels, { raw: { width, height, channels: 3 } })
      .png()
      .toBuffer(),
  );
  return { pixels, png, sha256: imageHash(png) };
}

describe('decodeFrames', () => {
  it('decodes a PNG frame with sharp to its pixels, and passes a raw frame through', async () => {
    const { pixels, png, sha256 } = await pngFrame(28, 14, 1);
    const raw = { width: 2, height: 1, data: new Uint8Array([1, 2, 3, 4, 5, 6]) };
    const [decoded, passed] = await decodeFrames([{ sha256, bytes: png }, raw]);
    expect(decoded).toEqual({ width: 28, height: 14, data: pixels });
    expect(passed).toBe(raw);
  });

  it('decodes a JPEG frame too', async () => {
    const jpeg = new Uint8Array(
      await sharp({ create: { width: 16, height: 8, channels: 3, background: '#336699' } })
        .jpeg()
        .toBuffer(),
    );
    const [decoded] = await decodeFrames([{ sha256: imageHash(jpeg), bytes: jpeg }]);
    expect(decoded?.width).toBe(16);
    expect(decoded?.data).toHaveLength(16 * 8 * 3);
  });

  it('names a corrupt frame, its place and its hash, and says what to do', async () => {
    const good = await pngFrame(8, 8, 1);
    const cut = good.png.slice(0, good.png.length - 30);
    const sha256 = imageHash(cut);
    const frames = [
      { sha256: good.sha256, bytes: good.png },
      { sha256, bytes: cut },
    ];
    await expect(decodeFrames(frames)).rejects.toMatchObject({
      code: 'IMAGE_INVALID',
      message: expect.stringMatching(
        new RegExp(
          `^Frame 2 of 2 of the video \\(${sha256.slice(0, 12)}…\\) could not be decoded: The image is ` +
            'truncated or corrupt .* Add the video again so its frames are taken from the clip anew\\.$',
        ),
      ),
    });
    const text = new TextEncoder().encode('not an image');
    await expect(decodeFrames([{ sha256: imageHash(text), bytes: text }])).rejects.toThrow(
      /^Frame 1 of 1 of the video .* not an image Tessera can read/,
    );
  });

  it('refuses a frame over the image pixel limit before decoding it', async () => {
    const bomb = hugePngHeader(20_000, 20_000);
    await expect(decodeFrames([{ sha256: imageHash(bomb), bytes: bomb }])).rejects.toMatchObject({
      code: 'IMAGE_TOO_LARGE',
      message: expect.stringMatching(/^Frame 1 of 1 of the video .*over the limit of 100 megapixels/),
    });
  });
});

describe('videoKey', () => {
  const plan = { family: 'smolvlm', resized: { width: 64, height: 64 }, frames: [{ index: 0 }] } as VideoPlan;
  const part = (frames: VideoPart['frames']): VideoPart => ({
    type: 'video',
    source: { size: { width: 64, height: 64 }, totalFrames: 1, frameRate: 1 },
    frames,
  });
  const a = 'a'.repeat(64);
  const b = 'b'.repeat(64);

  it('is the same for the same frames and plan, bytes sent or not', () => {
    const key = videoKey(part([{ sha256: a, data: new Uint8Array([1]) }]), plan);
    expect(key).toMatch(/^video:[0-9a-f]{64}$/);
    expect(videoKey(part([{ sha256: a }]), plan)).toBe(key);
  });

  it('changes with a frame, raw pixels included, and with the plan', () => {
    const key = videoKey(part([{ sha256: a }]), plan);
    expect(videoKey(part([{ sha256: b }]), plan)).not.toBe(key);
    const raw = (value: number) => part([{ width: 1, height: 1, data: new Uint8Array([value, 0, 0]) }]);
    expect(videoKey(raw(1), plan)).toBe(videoKey(raw(1), plan));
    expect(videoKey(raw(1), plan)).not.toBe(videoKey(raw(2), plan));
    expect(videoKey(part([{ sha256: a }]), { ...plan, resized: { width: 32, height: 32 } })).not.toBe(key);
  });
});
