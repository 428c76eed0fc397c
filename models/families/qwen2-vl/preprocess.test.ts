import { describe, expect, it } from 'vitest';
import { readQwenConfig } from './config.ts';
import { planQwen } from './plan.ts';
import { preprocessQwen } from './preprocess.ts';
import { qwen2Vl2b, rgbImage } from './testing.ts';

const cfg = readQwenConfig(qwen2Vl2b());

/**
 * Python's patch layout written literally: frames [T, C, H, W] viewed as (t, T, C, h/m, m, p, w/m, m, p),
 * transposed by (0, 3, 6, 4, 7, 2, 1, 5, 8) and flattened — one generic permutation, no loop nest shared with
 * the implementation.
 */
function referencePatches(frame: Float32Array, width: number, height: number): Float32Array {
  const [T, C, p, m] = [2, 3, 14, 2];
  const shape = [1, T, C, height / p / m, m, p, width / p / m, m, p];
  const perm = [0, 3, 6, 4, 7, 2, 1, 5, 8];
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const outShape = perm.map((axis) => shape[axis] as number);
  const total = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(total);
  const index = new Array<number>(9).fill(0);
  for (let o = 0; o < total; o++) {
    let rest = o;
    for (let d = 8; d >= 0; d--) {
      index[d] = rest % (outShape[d] as number);
      rest = Math.floor(rest / (outShape[d] as number));
    }
    let source = 0;
    perm.forEach((axis, d) => (source += (index[d] as number) * (strides[axis] as number)));
    // Both temporal copies are the same frame: drop the T axis from the source offset.
    const perFrame = C * height * width;
    out[o] = frame[source % perFrame] as number;
  }
  return out;
}

describe('Qwen2-VL preprocessing', () => {
  it('Q-1: white 224×224 → pixel_values [256, 1176] with mean 2.050372362136841, grid_thw [[1, 16, 16]]', async () => {
    const white = { ...rgbImage('noise', 224, 224), data: new Uint8Array(224 * 224 * 3).fill(255) };
    const feeds = await preprocessQwen(cfg, white, planQwen(cfg, white, 'high'));
    const pixels = feeds.pixel_values;
    expect(pixels?.dims).toEqual([256, 1176]);
    const data = pixels?.data as Float32Array;
    expect(data.reduce((s, v) => s + v, 0) / data.length).toBeCloseTo(2.050372362136841, 5);
    expect(feeds.grid_thw).toEqual({ type: 'int64', dims: [1, 3], data: BigInt64Array.of(1n, 16n, 16n) });
  });

  it("orders patch rows as Python's reshape/transpose: merged 2×2 blocks row-major, C·T·p·p columns", async () => {
    const image = rgbImage('noise', 84, 56); // kept as is: 2 × 3 blocks of 2×2 patches
    const plan = planQwen(cfg, image, 'high');
    expect(plan.resized).toEqual({ width: 84, height: 56 });
    const ours = (await preprocessQwen(cfg, image, plan)).pixel_values?.data as Float32Array;
    // The normalised CHW frame, computed independently from the uint8 pixels.
    const frame = new Float32Array(3 * 56 * 84);
    for (let c = 0; c < 3; c++) {
      for (let i = 0; i < 56 * 84; i++) {
        const v = Math.fround((image.data[i * 3 + c] as number) * Math.fround(1 / 255));
        frame[c * 56 * 84 + i] = (v - (cfg.imageMean[c] as number)) / (cfg.imageStd[c] as number);
      }
    }
    const expected = referencePatches(frame, 84, 56);
    expect(ours.length).toBe(expected.length);
    let maxDiff = 0;
    for (let i = 0; i < ours.length; i++)
      maxDiff = Math.max(maxDiff, Math.abs((ours[i] as number) - (expected[i] as number)));
    expect(maxDiff).toBeLessThan(1e-6);
  });

  it('names the grid input as the model type does', async () => {
    const cfg25 = readQwenConfig(qwen2Vl2b({ config: { model_type: 'qwen2_5_vl' } }));
    const image = rgbImage('gradient', 100, 60);
    const feeds = await preprocessQwen(cfg25, image, planQwen(cfg25, image, 'high'));
    expect(Object.keys(feeds).sort()).toEqual(['image_grid_thw', 'pixel_values']);
    expect(Array.from(feeds.image_grid_thw?.data as BigInt64Array, Number)).toEqual([1, 4, 8]);
    expect(feeds.pixel_values?.dims).toEqual([32, 1176]);
  });

  it('refuses a plan made for another image', async () => {
    const image = rgbImage('noise', 100, 60);
    await expect(
      preprocessQwen(cfg, image, planQwen(cfg, { width: 60, height: 100 }, 'high')),
    ).rejects.toThrow(/does not belong to this 100×60 image/);
  });
});
