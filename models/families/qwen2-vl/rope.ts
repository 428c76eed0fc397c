/**
 * Qwen2-VL's multimodal rope positions (Python's `get_rope_index`, batch of one, no padding): text advances
 * one position per token on all three axes (temporal, height, width); an image's run of `<|image_pad|>` tokens
 * shares a start offset and spreads over its merged-patch grid — temporal offset, height offset + row, width
 * offset + column — and the text after it resumes at the largest position + 1. So an image of r × c tokens
 * advances positions by max(r, c), not r · c.
 *
 * Positions are computed from the token sequence and the plans alone, so feeding a prompt in pieces through
 * the KV cache gives the positions of one full pass, and a decoding step gets past_length + rope_delta, as
 * Python's cached branch computes it.
 */
import type { TilePlan } from '../../../app/tile-plan.ts';
import { TesseraError } from '../../errors.ts';
import type { TensorData } from '../../tensor.ts';

/** The [3, end] positions (temporal, height, width rows) of ids[0 .. end). */
export function mropePositions(
  ids: readonly number[],
  plans: readonly TilePlan[],
  imageTokenId: number,
  end = ids.length,
): [Int32Array, Int32Array, Int32Array] {
  if (end > ids.length) {
    throw new TesseraError(
      'INTERNAL',
      `Rope positions up to ${end} asked of a ${ids.length}-token sequence.`,
    );
  }
  const t = new Int32Array(end);
  const h = new Int32Array(end);
  const w = new Int32Array(end);
  let next = 0;
  let imageIndex = 0;
  let i = 0;
  while (i < end) {
    if (ids[i] !== imageTokenId) {
      t[i] = h[i] = w[i] = next++;
      i++;
      continue;
    }
    const plan = plans[imageIndex++];
    if (!plan) {
      throw new TesseraError(
        'IMAGE_TOKEN_MISMATCH',
        `The token sequence holds more images than the ${plans.length} image plan(s) given.`,
      );
    }
    const { rows, cols } = plan.grid;
    const offset = next;
    // A prefix may stop inside the run: the positions of the tokens present do not depend on the rest.
    for (let k = 0; k < rows * cols && i < end; k++, i++) {
      t[i] = offset;
      h[i] = offset + Math.floor(k / cols);
      w[i] = offset + (k % cols);
    }
    next = offset + Math.max(1, rows, cols);
  }
  return [t, h, w];
}

/** `position_ids` [3, 1, count] for positions [start, start + count) of `ids`. */
export function mropePositionIds(
  ids: readonly number[],
  plans: readonly TilePlan[],
  imageTokenId: number,
  start: number,
  count: number,
): TensorData {
  const axes = mropePositions(ids, plans, imageTokenId, start + count);
  const data = new BigInt64Array(3 * count);
  axes.forEach((axis, a) => {
    for (let i = 0; i < count; i++) data[a * count + i] = BigInt(axis[start + i] as number);
  });
  return { type: 'int64', dims: [3, 1, count], data };
}

/** Python's rope_delta: largest position + 1 − sequence length (how far decoding positions run ahead). */
export function ropeDelta(ids: readonly number[], plans: readonly TilePlan[], imageTokenId: number): number {
  const [t, h, w] = mropePositions(ids, plans, imageTokenId);
  let max = -1;
  for (const axis of [t, h, w]) for (const v of axis) max = Math.max(max, v);
  return max + 1 - ids.length;
}
