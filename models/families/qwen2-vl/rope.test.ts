import { describe, expect, it } from 'vitest';
import type { TilePlan } from '../../../app/tile-plan.ts';
import { readQwenConfig } from './config.ts';
import { qwen2VlEngine } from './engine.ts';
import { planQwen } from './plan.ts';
import { mropePositionIds, mropePositions, ropeDelta } from './rope.ts';
import { qwen2Vl2b } from './testing.ts';

const IMG = 151655;
const START = 151652;
const END = 151653;
const cfg = readQwenConfig(qwen2Vl2b());
/** 84×56 pixels: 2 rows × 3 columns of merged patches, 6 tokens. */
const plan23: TilePlan = planQwen(cfg, { width: 84, height: 56 }, 'high');

describe('Qwen2-VL 3-D rope positions', () => {
  it("follow get_rope_index's example: text on all axes, the image over its grid, text resuming at max + 1", () => {
    const ids = [1, 2, START, ...new Array<number>(6).fill(IMG), END, 3, 4];
    const [t, h, w] = mropePositions(ids, [plan23], IMG);
    expect(Array.from(t)).toEqual([0, 1, 2, 3, 3, 3, 3, 3, 3, 6, 7, 8]);
    expect(Array.from(h)).toEqual([0, 1, 2, 3, 3, 3, 4, 4, 4, 6, 7, 8]);
    expect(Array.from(w)).toEqual([0, 1, 2, 3, 4, 5, 3, 4, 5, 6, 7, 8]);
    // 12 tokens reach position 8: decoding continues at length + delta = 9.
    expect(ropeDelta(ids, [plan23], IMG)).toBe(-3);
  });

  it('gives every prefix the positions of the full sequence (the KV-cache invariant), inside the image too', () => {
    const ids = [
      5,
      START,
      ...new Array<number>(6).fill(IMG),
      END,
      6,
      START,
      ...new Array<number>(6).fill(IMG),
      END,
      7,
    ];
    const full = mropePositionIds(ids, [plan23, plan23], IMG, 0, ids.length).data as BigInt64Array;
    const n = ids.length;
    for (let end = 1; end <= n; end++) {
      const step = mropePositionIds(ids.slice(0, end), [plan23, plan23], IMG, end - 1, 1);
      expect(step.dims).toEqual([3, 1, 1]);
      expect(Array.from(step.data as BigInt64Array)).toEqual(
        [0, 1, 2].map((axis) => full[axis * n + end - 1]),
      );
    }
  });

  it('a decode step after a text-only prompt is plain 1-D: positions n, n, n', () => {
    const family = qwen2VlEngine.bind(qwen2Vl2b());
    const step = family.positionIds?.([10, 11, 12, 13], [], 3, 1);
    expect(step).toEqual({ type: 'int64', dims: [3, 1, 1], data: BigInt64Array.of(3n, 3n, 3n) });
  });

  it('refuses more images in the sequence than plans', () => {
    expect(() => mropePositions([START, IMG, END], [], IMG)).toThrow(/more images than the 0 image plan/);
  });
});

describe('Qwen2-VL prompt expansion', () => {
  it('repeats <|image_pad|> once per merged patch; the template writes the vision markers around it', () => {
    const family = qwen2VlEngine.bind(qwen2Vl2b());
    expect(family.imagePlaceholder).toBe('<|image_pad|>');
    expect(family.expandImage(plan23)).toBe('<|image_pad|>'.repeat(6));
    expect(plan23.promptTokens).toBe(8);
    expect(() => family.expandImage({ ...plan23, family: 'llava' })).toThrow(/llava tile plan was given/);
  });
});
