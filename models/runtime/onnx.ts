/**
 * The one module that imports onnxruntime-node. Everything else sees GraphSession and plain TensorData, so
 * provider choice, device-resident tensors and session options live in one place.
 */
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import ort from 'onnxruntime-node';
import { TesseraError } from '../errors.ts';
import type { TensorData } from '../tensor.ts';
import type { Device, Provider } from './devices.ts';

export { DEVICES, type Device, type Provider } from './devices.ts';

export type OrtTensor = ort.Tensor;
export type Feeds = Record<string, ort.Tensor>;

export interface InputInfo {
  name: string;
  type: string;
  /** Numbers for fixed dims, strings for symbolic ones. */
  shape: ReadonlyArray<number | string>;
}

export interface GraphSession {
  readonly path: string;
  readonly provider: Provider;
  /**
   * How a decoder returns its cache: `append` when Tessera rewrote it to return only the new rows (see
   * cache-rewrite.ts), `gqa` when a GQA-form decoder was rewritten so (gqa-rewrite.ts), else `present` (the
   * whole cache each run, as exported).
   */
  cacheLayout?: 'present' | 'append' | 'gqa';
  /** True for a token embedder that reads its table in JavaScript instead of running a graph (embed-table.ts). */
  readonly tableLookup?: boolean;
  readonly inputs: readonly InputInfo[];
  readonly outputNames: readonly string[];
  run(feeds: Feeds): Promise<Record<string, ort.Tensor>>;
  release(): Promise<void>;
}

export interface SessionOptions {
  device: Device;
  /** Outputs to keep on the device (WebGPU only), e.g. the KV cache; everything else comes back to the CPU. */
  deviceResidentOutputs?: (name: string) => boolean;
  intraOpThreads?: number;
  /** The graph to run instead of the file's (a rewritten copy); its external data is read beside `path`. */
  modelBytes?: Uint8Array;
}

/** GPU providers worth trying on this platform, best first. */
export function gpuProvidersFor(platform: NodeJS.Platform): Provider[] {
  const shipped = new Set(
    ort
      .listSupportedBackends()
      .filter((b) => b.bundled)
      .map((b) => b.name),
  );
  const wanted: Provider[] =
    platform === 'win32'
      ? ['cuda', 'dml', 'webgpu']
      : platform === 'darwin'
        ? ['coreml', 'webgpu']
        : ['cuda', 'webgpu'];
  return wanted.filter((p) => shipped.has(p) || (p === 'cuda' && cudaInstalled(platform)));
}

/**
 * CUDA is not in the npm package; `ONNXRUNTIME_NODE_INSTALL=cuda12 npm install` puts its provider library
 * beside the binding. Without it, trying CUDA only prints onnxruntime errors.
 */
function cudaInstalled(platform: NodeJS.Platform): boolean {
  const library =
    platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so';
  const binding = dirname(createRequire(import.meta.url).resolve('onnxruntime-node'));
  return existsSync(join(binding, '..', 'bin', 'napi-v6', platform, process.arch, library));
}

/**
 * On Linux without a GPU device node, Vulkan can only be Mesa's software rasteriser (lavapipe), which makes
 * WebGPU slower than the CPU provider; `auto` skips it there. Asking for `webgpu` explicitly still uses it.
 */
export function noGpuDevice(): boolean {
  if (process.platform !== 'linux') return false;
  const renderNodes = (() => {
    try {
      return readdirSync('/dev/dri').filter((name) => name.startsWith('renderD'));
    } catch {
      return [];
    }
  })();
  return renderNodes.length === 0 && !existsSync('/dev/nvidia0');
}

export function candidateProviders(device: Device): Provider[] {
  if (device !== 'auto') return [device];
  const gpus = gpuProvidersFor(process.platform).filter((p) => p !== 'webgpu' || !noGpuDevice());
  return [...gpus, 'cpu'];
}

function sessionOptions(provider: Provider, options: SessionOptions, outputNames?: readonly string[]) {
  const result: ort.InferenceSession.SessionOptions = {
    executionProviders: [provider],
    graphOptimizationLevel: 'all',
    // Errors only: node-placement notes and the like would otherwise interleave with answers on stderr.
    logSeverityLevel: 3,
    ...(options.intraOpThreads ? { intraOpNumThreads: options.intraOpThreads } : {}),
  };
  if (provider === 'webgpu' && options.deviceResidentOutputs && outputNames) {
    const keep = options.deviceResidentOutputs;
    result.preferredOutputLocation = Object.fromEntries(
      outputNames.map((name) => [name, keep(name) ? 'gpu-buffer' : 'cpu'] as const),
    );
  }
  return result;
}

function create(path: string, options: ort.InferenceSession.SessionOptions, bytes?: Uint8Array) {
  if (!bytes) return ort.InferenceSession.create(path, options);
  // A graph from memory finds its external data files in the model's own folder.
  const extra = { session: { model_external_initializers_file_folder_path: dirname(path) } };
  return ort.InferenceSession.create(bytes, { ...options, extra } as ort.InferenceSession.SessionOptions);
}

async function createOn(path: string, provider: Provider, options: SessionOptions): Promise<GraphSession> {
  let session = await create(path, sessionOptions(provider, options), options.modelBytes);
  if (provider === 'webgpu' && options.deviceResidentOutputs) {
    // Output locations need the output names, which only the loaded session knows.
    const names = session.outputNames;
    await session.release();
    session = await create(path, sessionOptions(provider, options, names), options.modelBytes);
  }
  const inputs = session.inputMetadata.map((m) =>
    m.isTensor
      ? { name: m.name, type: m.type, shape: m.shape }
      : { name: m.name, type: 'unknown', shape: [] },
  );
  return {
    path,
    provider,
    inputs,
    outputNames: session.outputNames,
    run: (feeds) => session.run(feeds),
    release: () => session.release(),
  };
}

/**
 * Opens a graph on the first provider that accepts it. A corrupt file fails on every provider the same way,
 * so the error from the last candidate is reported as MODEL_FILE_CORRUPT with the file named.
 */
export async function openSession(path: string, options: SessionOptions): Promise<GraphSession> {
  const candidates = candidateProviders(options.device);
  const failures: string[] = [];
  for (const provider of candidates) {
    try {
      return await createOn(path, provider, options);
    } catch (error) {
      failures.push(`${provider}: ${firstLine(error)}`);
    }
  }
  const onlyCpuTried = candidates.length === 1 && candidates[0] === 'cpu';
  const looksCorrupt = failures.some((f) =>
    /protobuf|parse|Load model|corrupt|invalid|external data/i.test(f),
  );
  if (onlyCpuTried || options.device === 'auto' || looksCorrupt) {
    throw new TesseraError(
      'MODEL_FILE_CORRUPT',
      `Could not load ${path}: ${failures.join('; ')}. The file may be truncated or corrupt; download the model again.`,
    );
  }
  throw new TesseraError(
    'DEVICE_UNAVAILABLE',
    `The ${options.device} execution provider could not run ${path} (${failures.join('; ')}). Choose another device, or "auto".`,
  );
}

/** A session from in-memory ONNX bytes (small helper graphs the runtime builds itself). */
export async function sessionFromBytes(
  bytes: Uint8Array,
  provider: Provider,
  deviceResidentOutputs: readonly string[] = [],
): Promise<GraphSession> {
  const session = await ort.InferenceSession.create(bytes, {
    executionProviders: [provider],
    logSeverityLevel: 3,
    ...(provider === 'webgpu' && deviceResidentOutputs.length > 0
      ? {
          preferredOutputLocation: Object.fromEntries(
            deviceResidentOutputs.map((name) => [name, 'gpu-buffer'] as const),
          ),
        }
      : {}),
  });
  return {
    path: '<in-memory>',
    provider,
    inputs: [],
    outputNames: session.outputNames,
    run: (feeds) => session.run(feeds),
    release: () => session.release(),
  };
}

export function firstLine(error: unknown): string {
  return String(error instanceof Error ? error.message : error).split('\n')[0] ?? 'unknown error';
}

export function toOrt(tensor: TensorData): ort.Tensor {
  return new ort.Tensor(tensor.type, tensor.data, tensor.dims as number[]);
}

export function float32(data: Float32Array, dims: readonly number[]): ort.Tensor {
  return new ort.Tensor('float32', data, dims as number[]);
}

export function int64(data: BigInt64Array, dims: readonly number[]): ort.Tensor {
  return new ort.Tensor('int64', data, dims as number[]);
}

/** A zero-length tensor of the given type, e.g. an empty past key/value. */
export function emptyTensor(type: string, dims: readonly number[]): ort.Tensor {
  switch (type) {
    case 'float32':
      return new ort.Tensor('float32', new Float32Array(0), dims as number[]);
    case 'float16':
      return new ort.Tensor('float16', new Uint16Array(0), dims as number[]);
    default:
      throw new TesseraError('MODEL_GRAPH_MISMATCH', `Unsupported cache tensor type ${type}.`);
  }
}

/**
 * Tensor contents on the CPU. Only for CPU tensors: onnxruntime-node 1.30 aborts the whole process when
 * a WebGPU tensor is downloaded with getData(), so device-resident tensors are processed on the device.
 */
export function readFloat32(tensor: ort.Tensor): Float32Array {
  const data = cpuData(tensor);
  if (data instanceof Float32Array) return data;
  if (data instanceof Uint16Array) return float16ToFloat32(data);
  throw new TesseraError('MODEL_GRAPH_MISMATCH', `Expected a float tensor, got ${tensor.type}.`);
}

export function cpuData(tensor: ort.Tensor): ort.Tensor['data'] {
  if (tensor.location !== 'cpu') {
    throw new TesseraError(
      'INTERNAL',
      `A ${tensor.location} tensor was read on the CPU; keep it on the device.`,
    );
  }
  return tensor.data;
}

export function makeTensor(type: string, data: ort.Tensor['data'], dims: readonly number[]): ort.Tensor {
  return new ort.Tensor(type as 'float32', data as Float32Array, dims as number[]);
}

export function disposeTensor(tensor: ort.Tensor): void {
  if (tensor.location !== 'cpu') tensor.dispose();
}

function float16ToFloat32(half: Uint16Array): Float32Array {
  const out = new Float32Array(half.length);
  for (let i = 0; i < half.length; i++) {
    const h = half[i] ?? 0;
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    out[i] =
      exp === 0
        ? sign * 2 ** -14 * (frac / 1024)
        : exp === 31
          ? frac
            ? NaN
            : sign * Infinity
          : sign * 2 ** (exp - 15) * (1 + frac / 1024);
  }
  return out;
}
