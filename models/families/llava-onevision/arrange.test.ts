/**
 * arrangeFeatures against Python's pack_image_features, on encoder rows that name themselves: every row holds
 * (view, cell) so the test reads which encoder row landed where.
 */
import { describe, expect, it } from 'vitest';
import { isTesseraError } from '../../errors.ts';
import { arrangeOnevision, bilinear } from './arrange.ts';
import { readOnevisionConfig } from './config.ts';
import { planOnevision } from './plan.ts';
import { onevision05b, pinpointsOf } from './testing.ts';

/** A tiny config: 56-pixel views in patches of 14 → 4 × 4 cells a view, pinpoints {1…6} × 56. */
const tiny = readOnevisionConfig(
  onevision05b({
    config: { image_grid_pinpoints: pinpointsOf(56), vision_config: { image_size: 56, patch_size: 14 } },
    preprocessor: { image_grid_pinpoints: pinpointsOf(56), size: { height: 56, width: 56 } },
    processor: { num_image_tokens: 16 },
  }),
);
const NEWLINE = -1;

/** hidden 2: [view, cell] per row, then the newline row [-1, -1]. */
function encoderRows(views: number): Float32Array {
  const rows = new Float32Array((views * 16 + 1) * 2).fill(NEWLINE);
  for (let v = 0; v < views; v++) {
    for (let c = 0; c < 16; c++) rows.set([v, c], (v * 16 + c) * 2);
  }
  return rows;
}

const pairs = (rows: Float32Array) =>
  Array.from({ length: rows.length / 2 }, (_, i) => [rows[2 * i], rows[2 * i + 1]]);

describe('LLaVA-OneVision arrangeFeatures', () => {
  it('low: the base view rows, then the newline row', () => {
    const plan = planOnevision(tiny, { width: 50, height: 50 }, 'low');
    const out = pairs(arrangeOnevision(tiny, encoderRows(1), 2, plan));
    expect(out).toHaveLength(17);
    expect(out[16]).toEqual([NEWLINE, NEWLINE]);
  });

  it('high: base, then the crop grid row by row (crop-major), unpadded, a newline after each row', () => {
    // 112×56: best pinpoint 112 wide × 56 high → 1 × 2 crops; the 4 × 8 grid needs no unpadding.
    const plan = planOnevision(tiny, { width: 112, height: 56 }, 'high');
    expect(plan.grid).toMatchObject({ rows: 1, cols: 2 });
    const out = pairs(arrangeOnevision(tiny, encoderRows(3), 2, plan));
    expect(out).toHaveLength(plan.imageTokens);
    expect(out.slice(0, 16).every(([v]) => v === 0)).toBe(true);
    // Grid row 0: crop 1 cells 0…3, crop 2 cells 0…3, newline.
    expect(out.slice(16, 25)).toEqual([
      [1, 0],
      [1, 1],
      [1, 2],
      [1, 3],
      [2, 0],
      [2, 1],
      [2, 2],
      [2, 3],
      [NEWLINE, NEWLINE],
    ]);
    expect(out.slice(25, 29)).toEqual([
      [1, 4],
      [1, 5],
      [1, 6],
      [1, 7],
    ]);
    expect(plan.imageTokens).toBe(16 + 4 * 8 + 4);
  });

  it('unpads the grid rows that only saw padding', () => {
    // 112×40 in 112 × 56: new height int(40 · 8 / 112) = 2 of 4 grid rows, (4 − 2) // 2 = 1 cut at top and bottom.
    const plan = planOnevision(tiny, { width: 112, height: 40 }, 'high');
    const out = pairs(arrangeOnevision(tiny, encoderRows(3), 2, plan));
    expect(plan.imageTokens).toBe(16 + 2 * 8 + 2);
    expect(out[16]).toEqual([1, 4]); // grid row 1 = cells 4…7 of the first crop
    expect(out[16 + 9]).toEqual([1, 8]);
  });

  it('anyres_max_9 shrinks a 24 × 24 grid to 12 × 12 bilinearly', () => {
    const plan = planOnevision(tiny, { width: 336, height: 336 }, 'high');
    expect(plan.grid).toMatchObject({ rows: 6, cols: 6 });
    expect(plan.imageTokens).toBe(16 + 12 * 12 + 12);
    expect(arrangeOnevision(tiny, encoderRows(37), 2, plan)).toHaveLength(plan.imageTokens * 2);
  });

  it('bilinear is torch interpolate(align_corners=False): halving averages 2 × 2 blocks', () => {
    const src = Float32Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
    const out = bilinear(src, { width: 4, height: 4 }, { width: 2, height: 2 }, 1);
    expect(Array.from(out)).toEqual([2.5, 4.5, 10.5, 12.5]);
    // Upscaling 2 → 3 samples at 0.1667 · … : the corners keep the edge values (clamped).
    const up = bilinear(Float32Array.from([0, 3]), { width: 2, height: 1 }, { width: 3, height: 1 }, 1);
    expect(Array.from(up)).toEqual([0, 1.5, 3]);
  });

  it('refuses an encoder without the image_newline row, naming what it needs', () => {
    const plan = planOnevision(tiny, { width: 50, height: 50 }, 'low');
    try {
      arrangeOnevision(tiny, new Float32Array(16 * 2), 2, plan);
      expect.unreachable();
    } catch (error) {
      expect(isTesseraError(error) && error.code).toBe('MODEL_GRAPH_MISMATCH');
      expect(String(error)).toContain('image_newline');
    }
  });
});
