import { Qwen2VLImageProcessor } from '@huggingface/transformers';
import { describe, expect, it } from 'vitest';
import { readQwenConfig } from './config.ts';
import { gridThw, planQwen, roundHalfEven, smartResize } from './plan.ts';
import { qwen2Vl2b } from './testing.ts';

const cfg2b = readQwenConfig(qwen2Vl2b());
/** Python's library default budget (no min_pixels / max_pixels in the file): 56·56 … 28·28·1280. */
const cfgDefault = readQwenConfig(
  qwen2Vl2b({ preprocessor: { min_pixels: undefined, max_pixels: undefined } }),
);

describe('smart_resize (Python Qwen2VLImageProcessor)', () => {
  it('keeps sides that are multiples of 28 and rounds the others to the nearest multiple', () => {
    expect(smartResize({ width: 224, height: 224 }, 28, 3136, 12845056)).toEqual({ width: 224, height: 224 });
    expect(smartResize({ width: 1280, height: 640 }, 28, 3136, 12845056)).toEqual({
      width: 1288,
      height: 644,
    });
    expect(smartResize({ width: 640, height: 480 }, 28, 3136, 12845056)).toEqual({ width: 644, height: 476 });
  });

  it('rounds halves to even as Python does: 70×70 → 56×56 (transformers.js rounds up to 84×84)', () => {
    expect(roundHalfEven(2.5)).toBe(2);
    expect(roundHalfEven(1.5)).toBe(2);
    expect(roundHalfEven(3.5)).toBe(4);
    expect(smartResize({ width: 70, height: 70 }, 28, 3136, 12845056)).toEqual({ width: 56, height: 56 });
    const js = new Qwen2VLImageProcessor(qwen2Vl2b().preprocessorConfig);
    expect(js.get_resize_output_image_size({ height: 70, width: 70 } as never, {} as never)).toEqual([
      84, 84,
    ]);
  });

  it('shrinks into max_pixels by sqrt(area / max), flooring to multiples of 28', () => {
    const size = smartResize({ width: 4000, height: 3000 }, 28, 3136, 28 * 28 * 1280);
    expect(size).toEqual({ width: 1148, height: 840 });
    expect(size.width * size.height).toBeLessThanOrEqual(28 * 28 * 1280);
  });

  it('grows into min_pixels by sqrt(min / area), ceiling to multiples of 28 (a side under 28 included)', () => {
    expect(smartResize({ width: 100, height: 10 }, 28, 3136, 12845056)).toEqual({ width: 196, height: 28 });
    expect(smartResize({ width: 20, height: 20 }, 28, 3136, 12845056)).toEqual({ width: 56, height: 56 });
  });

  it('refuses an aspect ratio over 200, as Python does', () => {
    expect(() => smartResize({ width: 201, height: 1 }, 28, 3136, 12845056)).toThrow(/at most 200 times/);
    expect(smartResize({ width: 200, height: 1 }, 28, 3136, 12845056).height).toBe(28);
  });
});

describe('Qwen2-VL tile plan', () => {
  it('Q-1 / Q-2: white 224×224 → grid_thw [1, 16, 16], 256 patch rows, 64 <|image_pad|> tokens', () => {
    const plan = planQwen(cfg2b, { width: 224, height: 224 }, 'high');
    expect(gridThw(cfg2b, plan)).toEqual([1, 16, 16]);
    expect(plan.resized).toEqual({ width: 224, height: 224 });
    expect(plan.imageTokens).toBe(64);
    expect(plan.promptTokens).toBe(66);
  });

  it('is one tile over the whole image with the merged-patch grid, no global view', () => {
    const plan = planQwen(cfg2b, { width: 1280, height: 640 }, 'high');
    expect(plan.grid).toMatchObject({ rows: 23, cols: 46 });
    expect(plan.tiles).toEqual([
      { x: 0, y: 0, width: 1280, height: 640, inputWidth: 1288, inputHeight: 644, tokens: 1058 },
    ]);
    expect(plan.global).toBeNull();
    expect(gridThw(cfg2b, plan)).toEqual([1, 46, 92]);
  });

  it('high detail is the model’s max_pixels; low detail at most 256 tokens', () => {
    const photo = { width: 4032, height: 3024 };
    const high = planQwen(cfg2b, photo, 'high');
    const low = planQwen(cfg2b, photo, 'low');
    expect(high.imageTokens).toBe(15552); // 4032×3024 fits 12 845 056 pixels as it is: 108 × 144 blocks
    expect(low.imageTokens).toBeLessThanOrEqual(256);
    expect(low.resized).toEqual({ width: 504, height: 364 });
    expect(planQwen(cfgDefault, photo, 'high').imageTokens).toBeLessThanOrEqual(1280);
    // A small image is the same plan at both details.
    const small = { width: 200, height: 120 };
    expect(planQwen(cfg2b, small, 'low').tiles).toEqual(planQwen(cfg2b, small, 'high').tiles);
  });

  it('without resizing, needs sides in multiples of 28 and says so', () => {
    const cfg = readQwenConfig(qwen2Vl2b({ preprocessor: { do_resize: false } }));
    expect(planQwen(cfg, { width: 56, height: 84 }, 'high').grid).toMatchObject({ rows: 3, cols: 2 });
    expect(() => planQwen(cfg, { width: 60, height: 84 }, 'high')).toThrow(
      /"do_resize": false.*multiples of 28/,
    );
  });
});
