/**
 * The 3-D rope positions of one video's `<|video_pad|>` run (Python's `get_rope_index`, the video branch).
 * Tokens go temporal patch by temporal patch, each a rows × cols grid of merged patches; every token of
 * temporal patch k shares its temporal position, and height / width spread over the grid as for an image:
 *
 * - Qwen2-VL: temporal position = offset + k (the patch's index).
 * - Qwen2.5-VL: offset + ⌊k · second_per_grid_t · tokens_per_second⌋, the patch's start time in rope units,
 *   so positions keep real time whatever the sampling rate. Python multiplies in float32 (the
 *   second_per_grid_ts tensor's type) and truncates with `.long()`; Math.fround does the same here.
 *
 * The text after the video resumes at the block's largest position + 1. `mixedPositions` runs a whole token
 * sequence whose images and videos come in any order (images keep rope.ts's arithmetic: one temporal patch).
 */
import { TesseraError } from '../../errors.ts';
import type { TensorData } from '../../tensor.ts';

export interface VideoRopeGrid {
  temporal: number;
  rows: number;
  cols: number;
}

/** Qwen2.5-VL's time scaling; null for Qwen2-VL. */
export interface VideoTimeScale {
  secondsPerTemporalPatch: number;
  tokensPerSecond: number;
}

/** Temporal position (before the offset) of temporal patch k. */
export function temporalPosition(k: number, time: VideoTimeScale | null): number {
  if (time === null) return k;
  const seconds = Math.fround(k * Math.fround(time.secondsPerTemporalPatch));
  return Math.trunc(Math.fround(seconds * time.tokensPerSecond));
}

/**
 * Writes the positions of tokens [from, to) of the block (token k of the run is temporal patch
 * ⌊k / (rows · cols)⌋, row ⌊k / cols⌋ mod rows, column k mod cols) into t/h/w at `at`, and returns the first
 * position after the whole block.
 */
export function writeVideoPositions(
  grid: VideoRopeGrid,
  time: VideoTimeScale | null,
  offset: number,
  out: { t: Int32Array; h: Int32Array; w: Int32Array; at: number },
  count: number,
): number {
  const { temporal, rows, cols } = grid;
  const perPatch = rows * cols;
  for (let k = 0; k < count; k++) {
    const i = out.at + k;
    out.t[i] = offset + temporalPosition(Math.floor(k / perPatch), time);
    out.h[i] = offset + (Math.floor(k / cols) % rows);
    out.w[i] = offset + (k % cols);
  }
  const lastTemporal = temporalPosition(temporal - 1, time);
  return offset + Math.max(lastTemporal, rows - 1, cols - 1) + 1;
}

/** One image or video of a token sequence, in order of appearance. */
export type VisionBlock =
  | { kind: 'image'; rows: number; cols: number }
  | { kind: 'video'; grid: VideoRopeGrid; time: VideoTimeScale | null };

/** The [3, end] positions (temporal, height, width rows) of ids[0 .. end) with images and videos. */
export function mixedPositions(
  ids: readonly number[],
  blocks: readonly VisionBlock[],
  tokens: { image: number; video: number },
  end = ids.length,
): [Int32Array, Int32Array, Int32Array] {
  const out = { t: new Int32Array(end), h: new Int32Array(end), w: new Int32Array(end), at: 0 };
  let next = 0;
  let blockIndex = 0;
  while (out.at < end) {
    const id = ids[out.at] as number;
    if (id !== tokens.image && id !== tokens.video) {
      out.t[out.at] = out.h[out.at] = out.w[out.at] = next++;
      out.at++;
      continue;
    }
    const kind = id === tokens.image ? 'image' : 'video';
    const block = blocks[blockIndex++];
    if (!block || block.kind !== kind) {
      throw new TesseraError(
        'IMAGE_TOKEN_MISMATCH',
        `The token sequence holds ${article(kind)} run where the plans give ${block ? article(block.kind) : 'nothing'} ` +
          `(block ${blockIndex} of ${blocks.length}).`,
      );
    }
    const grid = block.kind === 'image' ? { temporal: 1, rows: block.rows, cols: block.cols } : block.grid;
    const time = block.kind === 'image' ? null : block.time;
    // A prefix may stop inside the run: the positions of the tokens present do not depend on the rest.
    const count = Math.min(grid.temporal * grid.rows * grid.cols, end - out.at);
    next = writeVideoPositions(grid, time, next, out, count);
    out.at += count;
  }
  return [out.t, out.h, out.w];
}

/** `position_ids` [3, 1, count] for positions [start, start + count) of `ids`. */
export function mixedPositionIds(
  ids: readonly number[],
  blocks: readonly VisionBlock[],
  tokens: { image: number; video: number },
  start: number,
  count: number,
): TensorData {
  const axes = mixedPositions(ids, blocks, tokens, start + count);
  const data = new BigInt64Array(3 * count);
  axes.forEach((axis, a) => {
    for (let i = 0; i < count; i++) data[a * count + i] = BigInt(axis[start + i] as number);
  });
  return { type: 'int64', dims: [3, 1, count], data };
}

const article = (kind: 'image' | 'video'): string => (kind === 'image' ? 'an image' : 'a video');
