/**
 * The AnyRes arithmetic and tile plans against Python's numbers: transformers' test_image_processing_llava_onevision
 * (crop counts) and LlavaOnevisionProcessor._get_number_of_features (token counts, recomputed from its formula for
 * the vlm-formats.md §12 image sizes: white 224×224, gradient 1280×640, cats 640×480).
 */
import { describe, expect, it } from 'vitest';
import { anyresLayout, cropCount, patchOutputSize, selectBestResolution, shrunkGrid } from './anyres.ts';
import { readOnevisionConfig } from './config.ts';
import { planOnevision } from './plan.ts';
import { onevision05b, pinpointsOf } from './testing.ts';

const cfg = readOnevisionConfig(onevision05b());
const size = (width: number, height: number) => ({ width, height });
const PINPOINTS = pinpointsOf(384).map(([height, width]) => size(width, height));

describe('AnyRes arithmetic (Python reference numbers)', () => {
  it('test_call_pil: a 400×400 image, 20-pixel views → best 768×768, 39 × 39 crops + base = 1522 views', () => {
    const best = selectBestResolution(size(400, 400), PINPOINTS);
    expect(best).toEqual(size(768, 768));
    expect(cropCount(best, 20) + 1).toBe(1522);
  });

  it('test_multi_images: a 768×768 image with 384 views → 2² + 1 = 5 views', () => {
    const best = selectBestResolution(size(768, 768), PINPOINTS);
    expect(cropCount(best, 384) + 1).toBe(5);
  });

  it('select_best_resolution keeps the most pixels, then wastes the least', () => {
    expect(selectBestResolution(size(1280, 640), PINPOINTS)).toEqual(size(1536, 768));
    expect(selectBestResolution(size(224, 224), PINPOINTS)).toEqual(size(384, 384));
    expect(selectBestResolution(size(100, 3000), PINPOINTS)).toEqual(size(384, 2304));
  });

  it('get_patch_output_size: the limiting side fills the target, the other is ceil(orig · scale)', () => {
    expect(patchOutputSize(size(640, 480), size(768, 768))).toEqual(size(768, 576));
    expect(patchOutputSize(size(333, 1000), size(384, 1152))).toEqual(size(384, 1152));
    expect(patchOutputSize(size(300, 1000), size(384, 1152))).toEqual(size(346, 1152));
  });

  it.each([
    // [width, height, best pinpoint, unpadded grid (h × w), tokens]
    [224, 224, size(384, 384), size(27, 27), 1485],
    [1280, 640, size(1536, 768), size(108, 54), 6615],
    [640, 480, size(768, 768), size(54, 40), 2929],
    [400, 400, size(768, 768), size(54, 54), 3699],
    [1000, 200, size(1152, 384), size(81, 17), 2123],
    [2304, 2304, size(2304, 2304), size(162, 162), 7371],
    [100, 3000, size(384, 2304), size(5, 162), 1701],
  ])('%i×%i: best %o, unpadded %o, %i tokens (_get_number_of_features)', (w, h, best, grid, tokens) => {
    const layout = anyresLayout(size(w, h), cfg);
    expect(layout.best).toEqual(best);
    expect({ width: layout.unpadded.width, height: layout.unpadded.height }).toEqual(grid);
    expect(layout.tokens).toBe(tokens);
  });

  it('anyres_max_9 shrinks a 162 × 162 grid by √(162² / (9 · 27²)) = 2 to 81 × 81, and leaves 54 × 108 alone', () => {
    expect(shrunkGrid(size(162, 162), 27, 9)).toEqual(size(81, 81));
    expect(shrunkGrid(size(108, 54), 27, 9)).toEqual(size(108, 54));
  });
});

describe('LLaVA-OneVision tile plans', () => {
  it('high: the base view as global, the 2 × 2 crops of 768 × 768 as tiles in original pixels', () => {
    const plan = planOnevision(cfg, size(640, 480), 'high');
    expect(plan.grid).toMatchObject({ rows: 2, cols: 2 });
    expect(plan.resized).toEqual(size(768, 576));
    expect(plan.global).toMatchObject({ x: 0, y: 0, width: 640, height: 480, tokens: 729 });
    // 576 rows pasted at y = 96: crop rows cover canvas 0…384 and 384…768 → image rows 0…240 and 240…480.
    expect(plan.tiles.map(({ x, y, width, height }) => [x, y, width, height])).toEqual([
      [0, 0, 320, 240],
      [320, 0, 320, 240],
      [0, 240, 320, 240],
      [320, 240, 320, 240],
    ]);
    expect(plan.imageTokens).toBe(2929);
    expect(plan.promptTokens).toBe(2929);
    const sum = plan.tiles.reduce((n, t) => n + t.tokens, (plan.global?.tokens ?? 0) as number);
    expect(sum).toBe(plan.imageTokens);
  });

  it('low: the base view and its newline row, no tiles', () => {
    const plan = planOnevision(cfg, size(640, 480), 'low');
    expect(plan).toMatchObject({
      grid: { rows: 0, cols: 0, unit: 'tiles' },
      tiles: [],
      imageTokens: 730,
      resized: size(384, 384),
    });
    expect(plan.global?.tokens).toBe(730);
  });
});
