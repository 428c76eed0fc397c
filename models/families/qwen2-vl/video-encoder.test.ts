/**
 * The generated vision encoders run on a video grid (Python: `self.visual(pixel_values_videos,
 * grid_thw=video_grid_thw)`): one feature row per merged patch of every temporal patch, each temporal patch
 * attending only to itself (Python's cu_seqlens split the sequence per frame pair), and both video inputs
 * matter. transformers.js 4.3.1 cannot be the oracle here: its Qwen2-VL model lists no pixel_values_videos
 * among its forward params and only encodes images (modeling_qwen2_vl.js `encode_image`).
 */
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeImage } from '../../image/decode.ts';
import { readModelJson } from '../../runtime/model-folder.ts';
import { noiseImage } from '../../testing/images.ts';
import { maxAbsDiff } from '../../testing/tensors.ts';
import type { TensorData } from '../../tensor.ts';
import { type QwenConfig, readQwenConfig } from './config.ts';
import { type QwenTestVariant, qwenTestModel } from './testing.ts';
import { patchifyFrames } from './video-preprocess.ts';

describe.each<QwenTestVariant>(['qwen2-vl', 'qwen2.5-vl'])('%s vision encoder on a video grid', (variant) => {
  let session: ort.InferenceSession;
  let cfg: QwenConfig;
  /** 4 frames of 56×56: grid [2, 4, 4], 32 patch rows, 8 feature rows. */
  let rows: TensorData;

  beforeAll(async () => {
    const dir = await qwenTestModel(variant);
    cfg = readQwenConfig(readModelJson(dir));
    session = await ort.InferenceSession.create(join(dir, 'onnx', 'vision_encoder.onnx'));
    const frames = await Promise.all([1, 2, 3, 4].map(async (s) => decodeImage(await noiseImage(56, 56, s))));
    rows = patchifyFrames(cfg, frames, [2, 4, 4]);
  });

  async function encode(
    pixels: Float32Array,
    grid: number[],
  ): Promise<{ data: Float32Array; dims: number[] }> {
    const feeds = {
      pixel_values: new ort.Tensor('float32', pixels, [pixels.length / 1176, 1176]),
      [cfg.gridInputName]: new ort.Tensor('int64', BigInt64Array.from(grid, BigInt), [1, 3]),
    };
    const out = (await session.run(feeds)).image_features;
    if (!out) throw new Error('no image_features');
    return { data: out.data as Float32Array, dims: [...out.dims] };
  }

  it('gives t · h · w / 4 feature rows', async () => {
    const out = await encode(rows.data as Float32Array, [2, 4, 4]);
    expect(out.dims[0]).toBe(8);
  });

  it('encodes each frame pair on its own: pair 0 of the video = pair 0 encoded alone', async () => {
    const pixels = rows.data as Float32Array;
    const video = await encode(pixels, [2, 4, 4]);
    const first = await encode(pixels.slice(0, 16 * 1176), [1, 4, 4]);
    const hidden = first.data.length / 4;
    expect(maxAbsDiff(video.data.subarray(0, 4 * hidden), first.data)).toBeLessThan(1e-5);
    // Changing the second pair's pixels leaves the first pair's features as they were.
    const changed = pixels.slice();
    for (let i = 16 * 1176; i < changed.length; i++) changed[i] = -(changed[i] as number);
    const other = await encode(changed, [2, 4, 4]);
    expect(maxAbsDiff(other.data.subarray(0, 4 * hidden), first.data)).toBeLessThan(1e-5);
    expect(maxAbsDiff(other.data.subarray(4 * hidden), video.data.subarray(4 * hidden))).toBeGreaterThan(
      1e-3,
    );
  });

  it('every input matters: the patch rows, and the grid (same rows split as [1, 8, 4] or [2, 4, 4])', async () => {
    const pixels = rows.data as Float32Array;
    const base = await encode(pixels, [2, 4, 4]);
    const nudged = pixels.slice();
    nudged[5] = (nudged[5] as number) + 1;
    expect(maxAbsDiff((await encode(nudged, [2, 4, 4])).data, base.data)).toBeGreaterThan(1e-4);
    const regrid = await encode(pixels, [1, 8, 4]);
    expect(regrid.dims).toEqual(base.dims);
    expect(maxAbsDiff(regrid.data, base.data)).toBeGreaterThan(1e-4);
  });
});
