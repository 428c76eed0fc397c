/**
 * Test fixtures for the Qwen2-VL family: Qwen2-VL-2B-Instruct's published JSON, a cached generated model of
 * either variant, and raw RGB images.
 */
import { createHash } from 'node:crypto';
import { readFile, readdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Tensor } from '@huggingface/transformers';
import type { ChatMessage } from '../../../app/chat.ts';
import type { DecodedImage } from '../../image/decode.ts';
import type { Vlm } from '../../runtime/vlm.ts';
import type { TensorData } from '../../tensor.ts';
import { tesseraInputs } from '../../testing/oracle-inputs.ts';
import type { OracleRun } from '../../testing/oracle-suite.ts';
import { hfMessages, referenceGreedy } from '../../testing/transformers-oracle.ts';
import { makeModel } from '../../generate/index.ts';
import { DEFAULT_TEST_MODEL_ROOT, installModel, testModelDir } from '../../testing/test-models.ts';
import type { ModelJson } from '../family.ts';

type Json = Record<string, unknown>;

/** Qwen/Qwen2-VL-2B-Instruct's configuration (the keys Tessera reads, with their published values). */
export function qwen2Vl2b(overrides: { config?: Json; preprocessor?: Json } = {}): ModelJson {
  return {
    dir: '/models/Qwen2-VL-2B-Instruct',
    config: {
      model_type: 'qwen2_vl',
      vision_start_token_id: 151652,
      vision_end_token_id: 151653,
      vision_token_id: 151654,
      image_token_id: 151655,
      video_token_id: 151656,
      vision_config: { spatial_merge_size: 2, patch_size: 14, temporal_patch_size: 2 },
      ...overrides.config,
    },
    preprocessorConfig: {
      min_pixels: 3136,
      max_pixels: 12845056,
      patch_size: 14,
      temporal_patch_size: 2,
      merge_size: 2,
      image_mean: [0.48145466, 0.4578275, 0.40821073],
      image_std: [0.26862954, 0.26130258, 0.27577711],
      image_processor_type: 'Qwen2VLImageProcessor',
      processor_class: 'Qwen2VLProcessor',
      ...overrides.preprocessor,
    },
    processorConfig: null,
  };
}

export type QwenTestVariant = 'qwen2-vl' | 'qwen2.5-vl';

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const inFlight = new Map<string, Promise<string>>();

/**
 * A generated tiny fp32 model. Qwen2-VL comes from the shared test-model cache; Qwen2.5-VL, whose generator key
 * has no folder of its own, is cached beside it under a hash of the same generator sources.
 */
export function qwenTestModel(variant: QwenTestVariant, dtype: 'fp32' | 'q4' = 'fp32'): Promise<string> {
  if (variant === 'qwen2-vl') return testModelDir({ family: 'qwen2-vl', dtype });
  const key = `${variant}-${dtype}`;
  let promise = inFlight.get(key);
  if (!promise) {
    promise = (async () => {
      const dest = join(DEFAULT_TEST_MODEL_ROOT, `qwen2.5-vl-tiny-${dtype}-s1-${await sourcesHash()}`);
      if (await isDir(dest)) return dest;
      const temp = `${dest}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
      await makeModel({ family: 'qwen2.5-vl', size: 'tiny', dtype, seed: 1, outDir: temp });
      await installModel(temp, dest);
      return dest;
    })();
    inFlight.set(key, promise);
  }
  return promise;
}

async function sourcesHash(): Promise<string> {
  const hash = createHash('sha256');
  for (const dir of [join('models', 'generate'), join('models', 'families', 'qwen2-vl')]) {
    const names = (await readdir(join(REPO_ROOT, dir))).filter(
      (n) =>
        n.endsWith('.ts') &&
        !n.endsWith('.test.ts') &&
        (dir.endsWith('generate') || n.startsWith('generate')),
    );
    for (const name of names.sort()) hash.update(name).update(await readFile(join(REPO_ROOT, dir, name)));
  }
  return hash.digest('hex').slice(0, 12);
}

async function isDir(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

/** Deterministic RGB noise or a smooth gradient, as a DecodedImage. */
export function rgbImage(pattern: 'noise' | 'gradient', width: number, height: number): DecodedImage {
  const data = new Uint8Array(width * height * 3);
  let seed = 12345;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      for (let c = 0; c < 3; c++) {
        seed = (seed * 1103515245 + 12345) >>> 0;
        data[i + c] =
          pattern === 'noise'
            ? seed >>> 24
            : c === 2
              ? 128
              : Math.round((c === 0 ? x / width : y / height) * 255);
      }
    }
  }
  return { width, height, channels: 3, data };
}

export { maxAbsDiff } from '../../testing/tensors.ts';

export const int64 = (values: number[], dims: number[]) =>
  new Tensor('int64', BigInt64Array.from(values, BigInt), dims);

/** Tessera's pixel rows of every image, one after another, and their grids (`grid_thw` or `image_grid_thw`). */
function rowsAndGrids(feeds: Record<string, TensorData>[]) {
  const rows = feeds.map((f) => f.pixel_values?.data as Float32Array);
  const pixels = new Float32Array(rows.reduce((n, r) => n + r.length, 0));
  rows.reduce((at, r) => (pixels.set(r, at), at + r.length), 0);
  const grids = feeds.flatMap((f) => {
    const grid = f.grid_thw ?? f.image_grid_thw;
    return Array.from(grid?.data as BigInt64Array, Number);
  });
  return { pixels, grids };
}

/** Tessera's prompt ids, and its pixel rows and grids for each image, from Tessera's own processor. */
export async function qwenInputs(vlm: Vlm, messages: ChatMessage[], images: Uint8Array[]) {
  const { ids, feeds } = await tesseraInputs(vlm, messages, images);
  return { ids, ...rowsAndGrids(feeds) };
}

/** Tessera's pixel rows and grids, fed to transformers.js in place of its own. */
function qwenOracleFeeds(ours: Record<string, TensorData>[]): Record<string, Tensor> {
  const { pixels, grids } = rowsAndGrids(ours);
  return {
    pixel_values: new Tensor('float32', pixels, [pixels.length / 1176, 1176]),
    image_grid_thw: int64(grids, [ours.length, 3]),
  };
}

/**
 * For the oracle suite: Qwen2VLProcessor (text first) on one image, its greedy generation on Tessera's pixel rows
 * and grids. Its image processor reads a batch as the frames of one video, so two images go in as Tessera's ids,
 * rows and grids, which its model encodes in one call (Tessera one by one).
 */
export const qwenOracleRun: OracleRun = async ({ fx, oracle }, messages, images, options) => {
  if (images.length <= 1) return oracle.run(messages, images, { ...options, feeds: qwenOracleFeeds });
  const ours = await tesseraInputs(fx.vlm, messages, images, options.detail);
  const n = ours.ids.length;
  const inputs = {
    input_ids: int64(ours.ids, [1, n]),
    attention_mask: int64(new Array<number>(n).fill(1), [1, n]),
    ...qwenOracleFeeds(ours.feeds),
  };
  const prompt = oracle.processor.apply_chat_template(hfMessages(messages) as never, {
    add_generation_prompt: true,
  }) as string;
  const eos = fx.vlm.parts.text.eosTokenIds;
  const generated = await referenceGreedy(options.reference ?? oracle.model, inputs, n, eos);
  return { prompt, inputs, inputIds: ours.ids, generated, ours };
};
