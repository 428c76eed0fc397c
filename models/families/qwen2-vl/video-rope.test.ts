import { describe, expect, it } from 'vitest';
import { temporalPosition, writeVideoPositions } from './video-rope.ts';

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
