/**
 * Video features in the engine's feature cache, on the generated tiny SmolVLM2 model: frames sent as encoded
 * images answer as their raw pixels do; a second turn about the same video does not run the vision encoder
 * again, a changed frame does; a frame sent by hash alone is taken while the engine holds its bytes or the
 * video's features, and refused with IMAGE_NOT_HELD, naming it, when it holds neither.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ChatMessage, GenerateRequest, VideoPart } from '../../app/chat.ts';
import { decodeImage, imageHash } from '../image/decode.ts';
import { smolvlm2TestModel } from '../families/smolvlm/testing.ts';
import { noiseImage } from '../testing/images.ts';
import { Vlm } from './vlm.ts';

/** 3 s at 2 fps, 48×32: at 1 fps the plan samples 3 frames, here as PNGs by hash and bytes. */
async function clip(seed: number, changed = -1): Promise<{ encoded: VideoPart; raw: VideoPart }> {
  const pngs = await Promise.all(
    [0, 1, 2].map((i) => noiseImage(48, 32, seed + i + (i === changed ? 50 : 0))),
  );
  const source = { size: { width: 48, height: 32 }, totalFrames: 6, frameRate: 2 };
  const raw = await Promise.all(
    pngs.map(async (png) => {
      const { width, height, data } = await decodeImage(png);
      return { width, height, data };
    }),
  );
  return {
    encoded: { type: 'video', source, frames: pngs.map((data) => ({ sha256: imageHash(data), data })) },
    raw: { type: 'video', source, frames: raw },
  };
}

const byHash = (video: VideoPart): VideoPart => ({
  ...video,
  frames: video.frames.map((f) => ('sha256' in f ? { sha256: f.sha256 } : f)),
});
const ask = (video: VideoPart, text = 'What happens?'): ChatMessage[] => [
  { role: 'user', content: [video, { type: 'text', text }] },
];

describe('video features in the feature cache', () => {
  let vlm: Vlm;
  let encoderRuns: ReturnType<typeof vi.spyOn>;
  beforeAll(async () => {
    vlm = await Vlm.load(await smolvlm2TestModel(), { device: 'cpu', dtype: 'fp32' });
    encoderRuns = vi.spyOn(vlm.parts.vision.session, 'run');
  });
  afterAll(() => vlm?.dispose());

  const greedy = (messages: ChatMessage[], extra: Partial<GenerateRequest> = {}) =>
    vlm.generate({ messages, sampling: { maxTokens: 4, ignoreEos: true }, ...extra }, () => {});

  it('answers encoded frames as it answers their raw pixels', async () => {
    const { encoded, raw } = await clip(1);
    const fromRaw = await greedy(ask(raw));
    const fromEncoded = await greedy(ask(encoded));
    expect(fromEncoded.tokenIds).toEqual(fromRaw.tokenIds);
    expect(fromEncoded.stats.videosEncoded).toBe(1);
  });

  it('does not run the vision encoder for the same video on the next turn; a changed frame does', async () => {
    const { encoded } = await clip(11);
    encoderRuns.mockClear();
    const first = await greedy(ask(encoded), { threadId: 'video-cache' });
    expect(encoderRuns).toHaveBeenCalledTimes(1);
    expect(first.stats).toMatchObject({ videosEncoded: 1, videosFromCache: 0 });

    const followUp: ChatMessage[] = [
      ...ask(byHash(encoded)),
      { role: 'assistant', content: [{ type: 'text', text: first.text }], tokenIds: first.tokenIds },
      { role: 'user', content: [{ type: 'text', text: 'And then?' }] },
    ];
    const second = await greedy(followUp, { threadId: 'video-cache' });
    expect(encoderRuns).toHaveBeenCalledTimes(1);
    expect(second.stats).toMatchObject({ videosEncoded: 0, videosFromCache: 1 });
    expect(second.stats.cachedTokens).toBeGreaterThan(0);

    const changed = (await clip(11, 2)).encoded;
    const third = await greedy(ask(changed), { threadId: 'video-cache' });
    expect(encoderRuns).toHaveBeenCalledTimes(2);
    expect(third.stats).toMatchObject({ videosEncoded: 1, videosFromCache: 0 });
  });

  it('keys by the plan: sampling that plans the same hits the cache, another plan encodes from held bytes', async () => {
    const { encoded } = await clip(21);
    await greedy(ask(encoded));
    encoderRuns.mockClear();
    // The model's own sampling is 1 fps, at most 8 frames: asked for at most 3, the plan is the same.
    const same = await greedy(ask({ ...byHash(encoded), sampling: { fps: 1, maxFrames: 3 } }));
    expect(same.stats).toMatchObject({ videosEncoded: 0, videosFromCache: 1 });
    expect(encoderRuns).not.toHaveBeenCalled();
    // At most 2 frames is another plan: its features are made from the bytes the engine still holds.
    const two = byHash(encoded);
    const other = await greedy(ask({ ...two, frames: two.frames.slice(0, 2), sampling: { maxFrames: 2 } }));
    expect(other.stats).toMatchObject({ videosEncoded: 1, videosFromCache: 0 });
    expect(encoderRuns).toHaveBeenCalledTimes(1);
  });

  it('refuses frames by hash alone that it never held with IMAGE_NOT_HELD, before any encoding', async () => {
    const { encoded } = await clip(31);
    const lacking = byHash(encoded);
    const first = (lacking.frames[0] as { sha256: string }).sha256;
    encoderRuns.mockClear();
    await expect(greedy(ask(lacking))).rejects.toMatchObject({
      code: 'IMAGE_NOT_HELD',
      message: expect.stringContaining(`3 of the images (${first.slice(0, 12)}…`),
    });
    expect(encoderRuns).not.toHaveBeenCalled();
    expect((await greedy(ask(encoded))).stats.videosEncoded).toBe(1);
  });
});
