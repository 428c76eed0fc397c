/** Test fixtures for the SmolVLM family: model JSON, generated images, and a transformers.js reference run. */
import { cpSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import sharp from 'sharp';
import { Idefics3ImageProcessor, RawImage, Tensor } from '@huggingface/transformers';
import { decodeImage, type DecodedImage } from '../../image/decode.ts';
import type { TensorData } from '../../tensor.ts';
import { DEFAULT_TEST_MODEL_ROOT, testModelDir } from '../../testing/test-models.ts';
import type { ModelJson } from '../family.ts';

type Json = Record<string, unknown>;

const PREPROCESSOR_COMMON = {
  do_convert_rgb: true,
  do_normalize: true,
  do_pad: true,
  do_rescale: true,
  do_resize: true,
  image_mean: [0.5, 0.5, 0.5],
  image_std: [0.5, 0.5, 0.5],
  image_processor_type: 'Idefics3ImageProcessor',
  resample: 1,
  rescale_factor: 1 / 255,
};

/** SmolVLM-256M-Instruct's values: 2048 / 512 tiles, 64 tokens per frame. */
export function smolvlm256m(overrides: { preprocessor?: Json; config?: Json } = {}): ModelJson {
  return {
    dir: '/models/SmolVLM-256M-Instruct',
    config: {
      model_type: 'idefics3',
      image_token_id: 49190,
      scale_factor: 4,
      vision_config: { image_size: 512, patch_size: 16 },
      ...overrides.config,
    },
    preprocessorConfig: {
      ...PREPROCESSOR_COMMON,
      do_image_splitting: true,
      max_image_size: { longest_edge: 512 },
      size: { longest_edge: 2048 },
      ...overrides.preprocessor,
    },
    processorConfig: { image_seq_len: 64, processor_class: 'Idefics3Processor' },
  };
}

/** The Idefics3 geometry of transformers.js's tests (§12 I-1…I-6): 1456 / 364 tiles, 169 tokens per frame. */
export function idefics3(preprocessor: Json = {}): ModelJson {
  return {
    dir: '/models/idefics3',
    config: {
      model_type: 'idefics3',
      image_token_id: 128257,
      scale_factor: 2,
      vision_config: { image_size: 364, patch_size: 14 },
    },
    preprocessorConfig: {
      ...PREPROCESSOR_COMMON,
      do_image_splitting: true,
      max_image_size: { longest_edge: 364 },
      size: { longest_edge: 1456 },
      ...preprocessor,
    },
    processorConfig: null,
  };
}

export type Pattern = 'gradient' | 'noise' | 'screenshot';

/** Deterministic RGB pixels; encoded as PNG with sharp and decoded by decodeImage, as the app would. */
export async function makeImage(pattern: Pattern, width: number, height: number): Promise<DecodedImage> {
  const raw = Buffer.alloc(width * height * 3);
  let seed = 12345;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      if (pattern === 'gradient') {
        raw[i] = Math.round((x * 255) / Math.max(1, width - 1));
        raw[i + 1] = Math.round((y * 255) / Math.max(1, height - 1));
        raw[i + 2] = 128;
      } else if (pattern === 'noise') {
        for (let c = 0; c < 3; c++) {
          seed = (seed * 1103515245 + 12345) >>> 0;
          raw[i + c] = seed >>> 24;
        }
      } else {
        raw.set(screenshotPixel(x, y, width), i);
      }
    }
  }
  const png = await sharp(raw, { raw: { width, height, channels: 3 } })
    .png({ compressionLevel: 1 })
    .toBuffer();
  return decodeImage(png);
}

/** A window: blue title bar, grey sidebar, and lines of dark "words" on white. */
function screenshotPixel(x: number, y: number, width: number): number[] {
  if (y < 40) return [40, 90, 200];
  if (x < width / 6) return [230, 232, 236];
  const line = Math.floor((y - 40) / 24);
  const inText = (y - 40) % 24 >= 6 && (y - 40) % 24 < 18;
  const word = Math.floor(x / 37) + line * 7;
  const isInk = inText && x % 37 < 30 && (word * 2654435761) % 5 !== 0 && x < width - 60 - (line % 4) * 90;
  return isInk ? [20, 20, 24] : [255, 255, 255];
}

export interface ReferenceRun {
  pixelValues: Float32Array;
  dims: number[];
  rows: number;
  cols: number;
  /** [height, width] after transformers.js's step-1 resize. */
  reshaped: [number, number];
}

/** Runs transformers.js's Idefics3ImageProcessor on the same RGB pixels (or any RawImage, e.g. RGBA). */
export async function transformersJs(
  image: DecodedImage | RawImage,
  model: ModelJson,
  split: boolean,
): Promise<ReferenceRun> {
  const processor = new Idefics3ImageProcessor(model.preprocessorConfig);
  const raw =
    image instanceof RawImage
      ? image
      : new RawImage(new Uint8ClampedArray(image.data), image.width, image.height, 3);
  const out = await processor._call(raw, { do_image_splitting: split, return_row_col_info: true });
  return {
    pixelValues: out.pixel_values.data as Float32Array,
    dims: out.pixel_values.dims,
    rows: Number(out.rows?.[0]?.[0]),
    cols: Number(out.cols?.[0]?.[0]),
    reshaped: out.reshaped_input_sizes[0] as [number, number],
  };
}

/** Frame i (3·M·M floats) of a [1, frames, 3, M, M] tensor. */
export function frame(data: Float32Array, i: number, m: number): Float32Array {
  return data.subarray(i * 3 * m * m, (i + 1) * 3 * m * m);
}

export { maxAbsDiff } from '../../testing/tensors.ts';

/**
 * Share of values that are not (uint8 / 255 − 0.5) / 0.5 for mean = std = 0.5. Python resizes uint8 images, so
 * its frames have none; transformers.js interpolates normalised floats, so its resized frames have many.
 */
export function offGridShare(data: Float32Array): number {
  let off = 0;
  for (const v of data) {
    const u = (v * 0.5 + 0.5) * 255;
    if (Math.abs(u - Math.round(u)) > 1e-3) off++;
  }
  return off / data.length;
}

/**
 * For the oracle suite: Tessera's frames of every image, one after another, as one [1, frames, 3, size, size]
 * batch and its mask, fed to transformers.js in place of its own pixels.
 */
export function smolvlmOracleFeeds(ours: Record<string, TensorData>[]): Record<string, Tensor> {
  const frames = ours.map((f) => f.pixel_values as { data: Float32Array; dims: readonly number[] });
  const frameCount = frames.reduce((n, f) => n + (f.dims[1] as number), 0);
  const size = frames.at(-1)?.dims[3] as number;
  const pixelData = new Float32Array(frames.reduce((n, f) => n + f.data.length, 0));
  frames.reduce((at, f) => (pixelData.set(f.data, at), at + f.data.length), 0);
  const mask = new Uint8Array(frameCount * size * size).fill(1);
  return {
    pixel_values: new Tensor('float32', pixelData, [1, frameCount, 3, size, size]),
    pixel_attention_mask: new Tensor('bool', mask, [1, frameCount, size, size]),
  };
}

/**
 * The generated tiny SmolVLM model made a SmolVLM2 one: a copy whose preprocessor_config.json gains SmolVLM2's
 * `video_sampling` (fps 1, at most 8 frames here, frames first scaled to 128 on the long edge). Built beside
 * its final place and renamed, so a half-made copy is never used.
 */
export async function smolvlm2TestModel(seed = 1): Promise<string> {
  const source = await testModelDir({ family: 'smolvlm', size: 'tiny', dtype: 'fp32', seed });
  const dir = join(DEFAULT_TEST_MODEL_ROOT, `smolvlm2-video-${basename(source)}`);
  if (existsSync(dir)) return dir;
  const temp = `${dir}.tmp-${process.pid}`;
  cpSync(source, temp, { recursive: true });
  const file = join(temp, 'preprocessor_config.json');
  const pre = JSON.parse(readFileSync(file, 'utf8')) as Json;
  pre.video_sampling = { fps: 1, max_frames: 8, video_size: { longest_edge: 128 } };
  writeFileSync(file, JSON.stringify(pre, null, 2));
  renameSync(temp, dir);
  return dir;
}
