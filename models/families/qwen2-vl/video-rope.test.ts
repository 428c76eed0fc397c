/**
 * The video branch of get_rope_index. transformers.js 4.3.1 is the oracle for Qwen2-VL's (its
 * `_get_multimodal_rope_positions` takes video_grid_thw); it has no second_per_grid_ts, so Qwen2.5-VL's time
 * scaling is pinned against Python's formula by hand.
 */
import { Qwen2VLForConditionalGeneration, Tensor } from '@huggingface/transformers';
import { describe, expect, it } from 'vitest';
import { qwen2Vl2b } from './testing.ts';
import { type VisionBlock, mixedPositions, temporalPosition, writeVideoPositions } from './video-rope.ts';

const IMAGE = 151655;
const VIDEO = 151656;
const START = 151652;
const END = 151653;
const tokens = { image: IMAGE, video: VIDEO };
const int64 = (values: readonly number[], dims: number[]) =>
  new Tensor(
    'int64',
    BigInt64Array.from(values, (v) => BigInt(v)),
    dims,
  );

function positions(
  grid: { temporal: number; rows: number; cols: number },
  time: { secondsPerTemporalPatch: number; tokensPerSecond: number } | null,
  offset: number,
) {
  const n = grid.temporal * grid.rows * grid.cols;
  const out = { t: new Int32Array(n), h: new Int32Array(n), w: new Int32Array(n), at: 0 };
  const next = writeVideoPositions(grid, time, offset, out, n);
  return { t: [...out.t], h: [...out.h], w: [...out.w], next };
}

describe('video rope positions (get_rope_index, video branch)', () => {
  it('Qwen2-VL: temporal patch k sits at offset + k; rows and columns spread as for an image', () => {
    // grid (t 2, h 2, w 3) at offset 5: t = 5 for the first 6 tokens, 6 for the next 6.
    const p = positions({ temporal: 2, rows: 2, cols: 3 }, null, 5);
    expect(p.t).toEqual([5, 5, 5, 5, 5, 5, 6, 6, 6, 6, 6, 6]);
    expect(p.h).toEqual([5, 5, 5, 6, 6, 6, 5, 5, 5, 6, 6, 6]);
    expect(p.w).toEqual([5, 6, 7, 5, 6, 7, 5, 6, 7, 5, 6, 7]);
    expect(p.next).toBe(8); // max(1, 1, 2) + 1 after offset 5
  });

  it('Qwen2.5-VL: temporal position = ⌊k · second_per_grid_t · tokens_per_second⌋', () => {
    // 2 fps sampling: second_per_grid_t = 1, tokens_per_second 2 → 0, 2, 4.
    const p = positions(
      { temporal: 3, rows: 1, cols: 2 },
      { secondsPerTemporalPatch: 1, tokensPerSecond: 2 },
      0,
    );
    expect(p.t).toEqual([0, 0, 2, 2, 4, 4]);
    expect(p.next).toBe(5); // the last temporal position 4 dominates the 1 × 2 grid
    // 0.8 fps: second_per_grid_t 2.5, tokens_per_second 2 → 0, 5, 10; 0.64 fps: 3.125 · 2 = 6.25 → 0, 6, 12.
    expect(
      [0, 1, 2].map((k) => temporalPosition(k, { secondsPerTemporalPatch: 2.5, tokensPerSecond: 2 })),
    ).toEqual([0, 5, 10]);
    expect(
      [0, 1, 2].map((k) => temporalPosition(k, { secondsPerTemporalPatch: 3.125, tokensPerSecond: 2 })),
    ).toEqual([0, 6, 12]);
  });

  it('a prefix of the run gets the positions of the full pass', () => {
    const full = positions({ temporal: 2, rows: 2, cols: 2 }, null, 3);
    const out = { t: new Int32Array(5), h: new Int32Array(5), w: new Int32Array(5), at: 0 };
    writeVideoPositions({ temporal: 2, rows: 2, cols: 2 }, null, 3, out, 5);
    expect([...out.t]).toEqual(full.t.slice(0, 5));
    expect([...out.h]).toEqual(full.h.slice(0, 5));
    expect([...out.w]).toEqual(full.w.slice(0, 5));
  });
});

describe('images and videos in one sequence', () => {
  // text, an image of 2 × 3 merged patches, text, a video of 3 temporal patches × 2 × 2, text.
  const image: VisionBlock = { kind: 'image', rows: 2, cols: 3 };
  const video: VisionBlock = { kind: 'video', grid: { temporal: 3, rows: 2, cols: 2 }, time: null };
  const ids = [
    1,
    2,
    START,
    ...new Array<number>(6).fill(IMAGE),
    END,
    3,
    START,
    ...new Array<number>(12).fill(VIDEO),
    END,
    4,
    5,
  ];

  it("Qwen2-VL: equal to transformers.js's get_rope_index given image_grid_thw and video_grid_thw", () => {
    const model = new Qwen2VLForConditionalGeneration(qwen2Vl2b().config as never, {}, {});
    const n = ids.length;
    const [positions] = (model as never as RopeModel).get_rope_index(
      int64(ids, [1, n]),
      int64([1, 4, 6], [1, 3]),
      int64([3, 4, 4], [1, 3]),
      int64(new Array<number>(n).fill(1), [1, n]),
    );
    const ours = mixedPositions(ids, [image, video], tokens);
    expect(ours.flatMap((axis) => [...axis])).toEqual(Array.from(positions.data as BigInt64Array, Number));
  });

  it('by hand: the video starts after the image, its temporal patches at +0, +1, +2', () => {
    const [t, h, w] = mixedPositions(ids, [image, video], tokens);
    // 1 2 START → 0 1 2; image at 3 (advances by max(2, 3) = 3 → 6); END 6, 3 → 7, START → 8; video at 9.
    expect(Array.from(t.slice(12, 24))).toEqual([9, 9, 9, 9, 10, 10, 10, 10, 11, 11, 11, 11]);
    expect(Array.from(h.slice(12, 24))).toEqual([9, 9, 10, 10, 9, 9, 10, 10, 9, 9, 10, 10]);
    expect(Array.from(w.slice(12, 24))).toEqual([9, 10, 9, 10, 9, 10, 9, 10, 9, 10, 9, 10]);
    // The video's largest position is 11: END, 4, 5 → 12, 13, 14.
    expect(Array.from(t.slice(24))).toEqual([12, 13, 14]);
  });

  it('Qwen2.5-VL: the video at 1 s per temporal patch and 2 tokens per second spans temporal positions 9, 11, 13', () => {
    const timed: VisionBlock = {
      ...video,
      time: { secondsPerTemporalPatch: 1, tokensPerSecond: 2 },
    } as VisionBlock;
    const [t] = mixedPositions(ids, [image, timed], tokens);
    expect(Array.from(t.slice(12, 24))).toEqual([9, 9, 9, 9, 11, 11, 11, 11, 13, 13, 13, 13]);
    expect(Array.from(t.slice(24))).toEqual([14, 15, 16]);
  });

  it('every prefix gets the positions of the full pass (the KV-cache invariant)', () => {
    const full = mixedPositions(ids, [image, video], tokens);
    for (const end of [1, 5, 15, 20, ids.length - 1]) {
      const part = mixedPositions(ids, [image, video], tokens, end);
      part.forEach((axis, a) => expect(Array.from(axis)).toEqual(Array.from(full[a]?.slice(0, end) ?? [])));
    }
  });

  it('names a run whose kind the plans do not match', () => {
    expect(() => mixedPositions(ids, [video, image], tokens)).toThrow(
      /image run where the plans give a video/,
    );
    expect(() => mixedPositions(ids, [image], tokens)).toThrow(/video run where the plans give nothing/);
  });
});

interface RopeModel {
  get_rope_index(ids: Tensor, image: Tensor | null, video: Tensor | null, mask: Tensor): [Tensor, Tensor];
}
