import { describe, expect, it } from 'vitest';
import type { Size } from '../../../app/tile-plan.ts';
import { gemma3 } from './geometry.ts';
import { type PanAndScan, readGemma3Config } from './config.ts';
import { panAndScanGrid, planGemma3, viewsOf } from './plan.ts';
import { gemma3_4b } from './testing.ts';

const DEFAULTS: PanAndScan = { enabled: true, minCropSize: 256, maxNumCrops: 4, minRatioToActivate: 1.2 };
const cfg = readGemma3Config(gemma3_4b());
const boxes = (size: Size, settings = DEFAULTS) =>
  panAndScanGrid(size, settings)?.crops.map((c) => [c.left, c.top, c.width, c.height]) ?? null;

describe('panAndScanGrid (Python Gemma3ImageProcessor.pan_and_scan)', () => {
  it('test_image_processing_gemma3 test_pan_and_scan: 600 × 300, min crop 10, at most 2 → base + 2 crops', () => {
    const grid = panAndScanGrid(
      { width: 600, height: 300 },
      { ...DEFAULTS, minCropSize: 10, maxNumCrops: 2 },
    );
    expect(grid).toEqual({
      rows: 1,
      cols: 2,
      crops: [
        { left: 0, top: 0, width: 300, height: 300 },
        { left: 300, top: 0, width: 300, height: 300 },
      ],
    });
  });

  it('test_processing_gemma3 test_pan_and_scan: 400 × 30, min crop 10, at most 4 → base + 4 crops', () => {
    expect(boxes({ width: 400, height: 30 }, { ...DEFAULTS, minCropSize: 10 })).toEqual([
      [0, 0, 100, 30],
      [100, 0, 100, 30],
      [200, 0, 100, 30],
      [300, 0, 100, 30],
    ]);
  });

  it('about one crop per aspect-ratio unit, half rounding up, capped by the crop count and size', () => {
    expect(boxes({ width: 1800, height: 600 })).toEqual([
      [0, 0, 600, 600],
      [600, 0, 600, 600],
      [1200, 0, 600, 600],
    ]);
    // 2.5 rounds up to 3 crops; ceil(1000 / 3) = 334, the last one narrower (numpy clips the slice).
    expect(boxes({ width: 1000, height: 400 })).toEqual([
      [0, 0, 334, 400],
      [334, 0, 334, 400],
      [668, 0, 332, 400],
    ]);
    // 10:1 wants 10 crops: floor(5000 / 256) allows 19, the maximum 4 wins.
    expect(boxes({ width: 5000, height: 500 })).toHaveLength(4);
    // 1.3:1 rounds to 1 crop, raised to the minimum 2.
    expect(boxes({ width: 1300, height: 1000 })).toEqual([
      [0, 0, 650, 1000],
      [650, 0, 650, 1000],
    ]);
  });

  it('portrait images are cut into rows', () => {
    expect(panAndScanGrid({ width: 500, height: 1300 }, DEFAULTS)).toEqual({
      rows: 3,
      cols: 1,
      crops: [
        { left: 0, top: 0, width: 500, height: 434 },
        { left: 0, top: 434, width: 500, height: 434 },
        { left: 0, top: 868, width: 500, height: 432 },
      ],
    });
  });

  it('does not activate below the ratio, on squares, or where a crop would be under the minimum size', () => {
    expect(boxes({ width: 1190, height: 1000 })).toBeNull();
    expect(boxes({ width: 1000, height: 1000 })).toBeNull();
    // 4:1 but 100 pixels high: every crop would be under 256.
    expect(boxes({ width: 400, height: 100 })).toBeNull();
    // 510 wide: floor(510 / 256) = 1 → 2 crops of 255 < 256.
    expect(boxes({ width: 510, height: 200 })).toBeNull();
    // The short side counts too: 512 × 200 makes 256 × 200 crops; 512 × 300 makes 256 × 300 ones.
    expect(boxes({ width: 512, height: 200 })).toBeNull();
    expect(boxes({ width: 512, height: 300 })).toEqual([
      [0, 0, 256, 300],
      [256, 0, 256, 300],
    ]);
  });
});

describe('planGemma3', () => {
  it('low: one 896 view of the whole image, 256 soft tokens (+ 4 marker and newline tokens)', () => {
    expect(planGemma3(cfg, { width: 1800, height: 600 }, 'low')).toEqual({
      family: 'gemma3',
      detail: 'low',
      original: { width: 1800, height: 600 },
      resized: { width: 896, height: 896 },
      grid: { rows: 1, cols: 1, unit: 'tiles' },
      tiles: [{ x: 0, y: 0, width: 1800, height: 600, inputWidth: 896, inputHeight: 896, tokens: 256 }],
      global: null,
      imageTokens: 256,
      promptTokens: 260,
    });
  });

  it('high: the whole image as the global view, then the crops; 256 tokens each', () => {
    const plan = planGemma3(cfg, { width: 1800, height: 600 }, 'high');
    expect(plan.grid).toMatchObject({ rows: 1, cols: 3 });
    expect(plan.global).toEqual({
      x: 0,
      y: 0,
      width: 1800,
      height: 600,
      inputWidth: 896,
      inputHeight: 896,
      tokens: 256,
    });
    expect(plan.tiles.map((t) => [t.x, t.y, t.width, t.height, t.tokens])).toEqual([
      [0, 0, 600, 600, 256],
      [600, 0, 600, 600, 256],
      [1200, 0, 600, 600, 256],
    ]);
    expect(plan.imageTokens).toBe(1024);
    expect(plan.promptTokens).toBe(1024 + 16 + 16);
    expect(viewsOf(plan)[0]).toBe(plan.global);
  });

  it('high on an image that does not activate pan-and-scan is the single view', () => {
    const plan = planGemma3(cfg, { width: 800, height: 700 }, 'high');
    expect(plan.global).toBeNull();
    expect(plan.tiles).toHaveLength(1);
    expect(plan.imageTokens).toBe(256);
  });

  it("the family's default detail follows do_pan_and_scan", () => {
    expect(gemma3.bind(gemma3_4b()).defaultDetail).toBe('low');
    expect(gemma3.bind(gemma3_4b({ preprocessor: { do_pan_and_scan: true } })).defaultDetail).toBe('high');
  });
});
