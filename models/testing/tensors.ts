/** onnxruntime tensors for graph tests, and the difference measure the "every input changes it" checks use. */
import * as ort from 'onnxruntime-node';
import { expect } from 'vitest';

export const int64 = (values: readonly number[], dims: readonly number[]): ort.Tensor =>
  new ort.Tensor(
    'int64',
    BigInt64Array.from(values, (v) => BigInt(v)),
    [...dims],
  );

export const float32 = (data: Float32Array, dims: readonly number[]): ort.Tensor =>
  new ort.Tensor('float32', data, [...dims]);

/** The largest absolute difference. Arrays of different lengths fail the test: a shape change is no "change". */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs((a[i] as number) - (b[i] as number)));
  return max;
}

/** maxAbsDiff of two float tensors, e.g. an output before and after one input changed. */
export const tensorDiff = (a: ort.Tensor | undefined, b: ort.Tensor | undefined): number =>
  maxAbsDiff(a?.data as Float32Array, b?.data as Float32Array);

/** How much an output changed: an output of another length (an input that changes the shape) changed infinitely. */
export const outputChange = (a: ArrayLike<number>, b: ArrayLike<number>): number =>
  a.length === b.length ? maxAbsDiff(a, b) : Infinity;
