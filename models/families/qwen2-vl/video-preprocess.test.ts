/**
 * pixel_values_videos in the reference order. transformers.js 4.3.1 has no video processor for Qwen2-VL, but
 * its Qwen2VLImageProcessor stacks a batch of equal-size images as the frames of one clip and runs the same
 * reshape / transpose as Python's `_preprocess` on them: with frames whose size smart_resize keeps, that is
 * Python's video patchification, so it is the oracle here.
 */
import { Qwen2VLImageProcessor } from '@huggingface/transformers';
import { describe, expect, it } from 'vitest';
import { decodeImage } from '../../image/decode.ts';
import { noiseImage } from '../../testing/images.ts';
import { maxAbsDiff, rawImage } from '../../testing/transformers-oracle.ts';
import { readQwenConfig } from './config.ts';
import { patchify } from './preprocess.ts';
import { qwen2Vl2b } from './testing.ts';
import { planQwenVideo } from './video-plan.ts';
import { patchifyFrames, preprocessQwenVideo } from './video-preprocess.ts';

const cfg = readQwenConfig(qwen2Vl2b());

describe('Qwen2-VL video patch rows', () => {
  it("equal transformers.js's frame stacking: 4 frames of 84×56 → grid [2, 4, 6], 48 rows of 1176", async () => {
    const bytes = await Promise.all([1, 2, 3, 4].map((seed) => noiseImage(84, 56, seed)));
    const frames = await Promise.all(bytes.map((b) => decodeImage(b)));
    // The published file's flags (the fixture keeps only the keys Tessera reads).
    const js = new Qwen2VLImageProcessor({
      ...qwen2Vl2b().preprocessorConfig,
      do_rescale: true,
      rescale_factor: 1 / 255,
      do_normalize: true,
      do_resize: true,
      do_convert_rgb: true,
    });
    const theirs = await js._call(await Promise.all(bytes.map(rawImage)));
    expect(theirs.image_grid_thw.tolist()).toEqual([[2n, 4n, 6n]]);
    const ours = patchifyFrames(cfg, frames, [2, 4, 6]);
    expect(ours.dims).toEqual([48, 1176]);
    expect(maxAbsDiff(ours.data as Float32Array, theirs.pixel_values.data as Float32Array)).toBe(0);
  });

  it('a pair of identical frames gives the patch rows of the image (one frame repeated)', async () => {
    const frame = await decodeImage(await noiseImage(56, 84, 9));
    const video = patchifyFrames(cfg, [frame, frame], [1, 6, 4]);
    const image = patchify(cfg, frame, [1, 6, 4]);
    expect(maxAbsDiff(video.data as Float32Array, image.data as Float32Array)).toBe(0);
  });

  it('puts frame 2k in the first temporal columns of pair k and frame 2k + 1 in the second', async () => {
    const frames = await Promise.all([5, 6].map(async (s) => decodeImage(await noiseImage(28, 28, s))));
    const rows = patchifyFrames(cfg, frames, [1, 2, 2]).data as Float32Array;
    const [first, second] = frames.map((f) => patchify(cfg, f, [1, 2, 2]).data as Float32Array);
    // Row 0, channel 0: columns 0..195 are frame 0's patch, 196..391 frame 1's.
    expect(Array.from(rows.subarray(0, 196))).toEqual(Array.from(first?.subarray(0, 196) ?? []));
    expect(Array.from(rows.subarray(196, 392))).toEqual(Array.from(second?.subarray(196, 392) ?? []));
  });

  it('preprocesses a planned clip: frames resized to the plan, the grid under the encoder’s input name', async () => {
    const plan = planQwenVideo(cfg, { totalFrames: 30, frameRate: 30, size: { width: 320, height: 240 } });
    const frames = await Promise.all(
      plan.frames.map(async (f) => decodeImage(await noiseImage(320, 240, f.index + 1))),
    );
    const feeds = await preprocessQwenVideo(cfg, frames, plan);
    expect(feeds.pixel_values?.dims).toEqual([2 * 20 * 28, 1176]);
    expect(Array.from(feeds.grid_thw?.data as BigInt64Array, Number)).toEqual([2, 20, 28]);
    await expect(preprocessQwenVideo(cfg, frames.slice(1), plan)).rejects.toThrow(/samples 4 frames but 3/);
  });
});
