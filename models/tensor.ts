/**
 * A tensor as plain data. Families and preprocessing produce these; only models/runtime/onnx.ts turns them
 * into onnxruntime tensors, so one module owns onnxruntime.
 */
export type TensorData =
  | { type: 'float32'; dims: readonly number[]; data: Float32Array }
  | { type: 'int64'; dims: readonly number[]; data: BigInt64Array }
  | { type: 'bool'; dims: readonly number[]; data: Uint8Array };

export function elementCount(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}
