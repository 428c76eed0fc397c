/**
 * Reading model JSON with errors that name the file and the key: every family's config reader is built on
 * `Source`, so a wrong value reads "<file>: "<key>" must be … (found …)." whatever the family.
 */
import { join } from 'node:path';
import { TesseraError } from '../errors.ts';
import type { ModelJson } from './family.ts';

/** sharp kernels for PIL resample codes. BOX (4) and HAMMING (5) have no sharp equivalent. */
export const KERNELS = { 0: 'nearest', 1: 'lanczos3', 2: 'linear', 3: 'cubic' } as const;
export type ResizeKernel = (typeof KERNELS)[keyof typeof KERNELS];

type Json = Record<string, unknown>;

/** Where a value came from, for error messages: the file path and the dotted key. */
export class Source {
  constructor(
    readonly file: string,
    readonly root: Json,
  ) {}

  get(key: string): unknown {
    let value: unknown = this.root;
    for (const part of key.split('.')) {
      value = isObject(value) ? value[part] : undefined;
    }
    return value;
  }

  fail(
    key: string,
    want: string,
    code: 'MODEL_FILE_CORRUPT' | 'MODEL_UNSUPPORTED' = 'MODEL_FILE_CORRUPT',
  ): never {
    const found = this.get(key);
    const got = found === undefined ? 'it is missing' : `found ${JSON.stringify(found)}`;
    throw new TesseraError(code, `${this.file}: "${key}" must be ${want} (${got}).`);
  }

  positiveInt(key: string): number {
    const v = this.get(key);
    return Number.isInteger(v) && (v as number) > 0 ? (v as number) : this.fail(key, 'a positive integer');
  }

  /** A token id: a non-negative integer. */
  tokenId(key: string): number {
    const v = this.get(key);
    return Number.isInteger(v) && (v as number) >= 0 ? (v as number) : this.fail(key, 'a token id');
  }

  /** The sharp kernel for a PIL `resample` code; `fallback` is the processor class's default code. */
  kernel(key: string, fallback: keyof typeof KERNELS): ResizeKernel {
    const resample = this.get(key) ?? fallback;
    return Object.hasOwn(KERNELS, String(resample))
      ? KERNELS[resample as keyof typeof KERNELS]
      : this.fail(key, '0 (nearest), 1 (lanczos), 2 (bilinear) or 3 (bicubic)', 'MODEL_UNSUPPORTED');
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  bool(key: string, fallback: boolean): boolean {
    const v = this.get(key);
    if (v === undefined) return fallback;
    return typeof v === 'boolean' ? v : this.fail(key, 'true or false');
  }

  positive(key: string, fallback: number): number {
    const v = this.get(key) ?? fallback;
    return typeof v === 'number' && v > 0 && Number.isFinite(v) ? v : this.fail(key, 'a positive number');
  }

  /** A number or a list of three numbers (Python accepts both). */
  triple(
    key: string,
    fallback: number | readonly [number, number, number],
    nonZero: boolean,
  ): [number, number, number] {
    const v = this.get(key) ?? fallback;
    const list = typeof v === 'number' ? [v, v, v] : Array.isArray(v) ? [...(v as unknown[])] : v;
    const ok =
      Array.isArray(list) &&
      list.length === 3 &&
      list.every((x) => typeof x === 'number' && Number.isFinite(x) && (!nonZero || x !== 0));
    return ok
      ? (list as [number, number, number])
      : this.fail(key, `three ${nonZero ? 'non-zero ' : ''}numbers`);
  }
}

export const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The three files every family reads, as Sources (processor_config.json is optional). */
export function sourcesOf(json: ModelJson): { config: Source; pre: Source; proc: Source | null } {
  return {
    config: new Source(join(json.dir, 'config.json'), json.config),
    pre: new Source(join(json.dir, 'preprocessor_config.json'), json.preprocessorConfig),
    proc: json.processorConfig
      ? new Source(join(json.dir, 'processor_config.json'), json.processorConfig)
      : null,
  };
}

type Triple = number | readonly [number, number, number];

/** What a pixel becomes before the encoder: `(value · rescaleFactor − mean) / std`, per channel. */
export interface PixelScaling {
  /** 1 when `do_rescale` is false. */
  rescaleFactor: number;
  /** [0, 0, 0] and [1, 1, 1] when `do_normalize` is false. */
  imageMean: [number, number, number];
  imageStd: [number, number, number];
}

/**
 * The image processor's rescale and normalisation as Python's BaseImageProcessor applies them:
 * `do_rescale` (default true) with `rescale_factor` (1/255), `do_normalize` (true) with `image_mean` /
 * `image_std` (one number or three), defaulting to the processor class's constants.
 */
export function pixelScaling(pre: Source, defaults: { mean: Triple; std: Triple }): PixelScaling {
  const doRescale = pre.bool('do_rescale', true);
  const doNormalize = pre.bool('do_normalize', true);
  return {
    rescaleFactor: doRescale ? pre.positive('rescale_factor', 1 / 255) : 1,
    imageMean: doNormalize ? pre.triple('image_mean', defaults.mean, false) : [0, 0, 0],
    imageStd: doNormalize ? pre.triple('image_std', defaults.std, true) : [1, 1, 1],
  };
}
