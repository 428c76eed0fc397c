/**
 * Test fixtures for the Phi-3-vision family: Phi-3.5-vision-instruct's JSON (the keys Tessera reads) and
 * transformers.js's Phi3VImageProcessor run on the same pixels.
 */
import { Phi3VImageProcessor, RawImage, type Tensor } from '@huggingface/transformers';
import type { OracleRun } from '../../testing/oracle-suite.ts';
import { hfTensor } from '../../testing/oracle-inputs.ts';
import type { DecodedImage } from '../../image/decode.ts';
import type { ModelJson } from '../family.ts';
import { OPENAI_CLIP_MEAN, OPENAI_CLIP_STD } from './config.ts';

type Json = Record<string, unknown>;

/** microsoft/Phi-3.5-vision-instruct's configuration, as onnx-community ships it. */
export function phi35(overrides: { config?: Json; preprocessor?: Json } = {}): ModelJson {
  return {
    dir: '/models/Phi-3.5-vision-instruct',
    config: {
      model_type: 'phi3_v',
      hidden_size: 3072,
      vocab_size: 32064,
      img_processor: { image_dim_out: 1024, name: 'clip_vision_model', num_img_tokens: 144 },
      ...overrides.config,
    },
    preprocessorConfig: {
      do_convert_rgb: true,
      image_mean: [...OPENAI_CLIP_MEAN],
      image_processor_type: 'Phi3VImageProcessor',
      image_std: [...OPENAI_CLIP_STD],
      num_crops: 4,
      num_img_tokens: 144,
      processor_class: 'Phi3VProcessor',
      ...overrides.preprocessor,
    },
    processorConfig: null,
  };
}

export interface ReferenceRun {
  pixelValues: Float32Array;
  dims: number[];
  imageSizes: number[];
  tokens: number;
}

/** transformers.js's Phi3VImageProcessor on the same RGB pixels. */
export async function transformersJs(
  image: DecodedImage,
  model: ModelJson,
  numCrops?: number,
): Promise<ReferenceRun> {
  const processor = new Phi3VImageProcessor(model.preprocessorConfig);
  const raw = new RawImage(new Uint8ClampedArray(image.data), image.width, image.height, 3);
  const out = await processor._call(raw, { num_crops: numCrops ?? null });
  return {
    pixelValues: out.pixel_values.data as Float32Array,
    dims: out.pixel_values.dims as number[],
    imageSizes: Array.from(out.image_sizes.data as BigInt64Array, Number),
    tokens: out.num_img_tokens[0] as number,
  };
}

/** A solid-colour RGB image. */
export function solidImage(width: number, height: number, level: number): DecodedImage {
  return { width, height, channels: 3, data: new Uint8Array(width * height * 3).fill(level) };
}

/**
 * For the oracle suite: transformers.js's chat template rendering with `<|image|>` written as the model card's
 * `<|image_1|>` (the pattern Phi3VProcessor expands), its processor, and greedy generate() — on its own pixels
 * for the photo (672×672: its HD size is its own, so both processors agree), on Tessera's (Python-order) pixels
 * for other images, where transformers.js departs from Python (plan/preprocess tests).
 */
export const phi3OracleRun: OracleRun = ({ fx, oracle }, messages, images, options) =>
  oracle.run(messages, images, {
    ...options,
    prompt: (rendered) => rendered.replace('<|image|>', '<|image_1|>'),
    feeds: (ours): Record<string, Tensor> =>
      ours[0] && images[0] !== fx.images.photo
        ? { pixel_values: hfTensor(ours[0].pixel_values), image_sizes: hfTensor(ours[0].image_sizes) }
        : {},
  });
