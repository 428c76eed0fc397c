/**
 * The names of execution providers and devices, apart from onnx.ts so that a caller that only lists or
 * validates them (the CLI's `--device`, the engine protocol's schema) does not load onnxruntime.
 */
export type Provider = 'webgpu' | 'cuda' | 'dml' | 'coreml' | 'cpu';
export type Device = 'auto' | Provider;
export const DEVICES: readonly Device[] = ['auto', 'webgpu', 'cuda', 'dml', 'coreml', 'cpu'];
