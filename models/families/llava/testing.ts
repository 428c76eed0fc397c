/**
 * Test fixtures for the LLaVA family: llava-hf's JSON, synthetic images, transformers.js's CLIPImageProcessor on
 * the same pixels, and Python's resize + center crop built on the Pillow port, to measure sharp against.
 */
import { CLIPImageProcessor, RawImage } from '@huggingface/transformers';
import type { Size } from '../../../app/tile-plan.ts';
import type { DecodedImage } from '../../image/decode.ts';
import type { ModelJson } from '../family.ts';
import { pillowResize } from '../pillow-resample.ts';
import type { Rgb } from '../pixels.ts';
import { OPENAI_CLIP_MEAN, OPENAI_CLIP_STD } from './config.ts';

type Json = Record<string, unknown>;

/** llava-hf/llava-1.5-7b-hf's configuration (the keys Tessera reads, with their published values). */
export function llava15(
  overrides: { config?: Json; preprocessor?: Json; processor?: Json | null } = {},
): ModelJson {
  return {
    dir: '/models/llava-1.5-7b-hf',
    config: {
      model_type: 'llava',
      image_token_index: 32000,
      vision_feature_layer: -2,
      vision_feature_select_strategy: 'default',
      vision_config: { model_type: 'clip_vision_model', image_size: 336, patch_size: 14 },
      text_config: { model_type: 'llama', vocab_size: 32064 },
      ...overrides.config,
    },
    preprocessorConfig: {
      crop_size: { height: 336, width: 336 },
      do_center_crop: true,
      do_convert_rgb: true,
      do_normalize: true,
      do_rescale: true,
      do_resize: true,
      image_mean: [...OPENAI_CLIP_MEAN],
      image_processor_type: 'CLIPImageProcessor',
      image_std: [...OPENAI_CLIP_STD],
      processor_class: 'LlavaProcessor',
      resample: 3,
      rescale_factor: 0.00392156862745098,
      size: { shortest_edge: 336 },
      ...overrides.preprocessor,
    },
    processorConfig:
      overrides.processor === null
        ? null
        : {
            image_token: '<image>',
            num_additional_image_tokens: 1,
            patch_size: 14,
            processor_class: 'LlavaProcessor',
            vision_feature_select_strategy: 'default',
            ...overrides.processor,
          },
  };
}

/** Deterministic RGB noise or gradient (red across, green down, blue 128) pixels, as a DecodedImage. */
export function rgbImage(pattern: 'noise' | 'gradient', width: number, height: number): DecodedImage {
  const data = new Uint8Array(width * height * 3);
  let seed = 12345;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      if (pattern === 'noise') {
        for (let c = 0; c < 3; c++) {
          seed = (seed * 1103515245 + 12345) >>> 0;
          data[i + c] = seed >>> 24;
        }
      } else {
        data[i] = Math.round((x * 255) / Math.max(1, width - 1));
        data[i + 1] = Math.round((y * 255) / Math.max(1, height - 1));
        data[i + 2] = 128;
      }
    }
  }
  return { width, height, channels: 3, data };
}

export interface ReferenceRun {
  pixelValues: Float32Array;
  dims: number[];
  /** [height, width] after transformers.js's resize and crop. */
  reshaped: [number, number];
}

/** transformers.js's CLIPImageProcessor on the same RGB pixels. */
export async function transformersJs(image: DecodedImage, model: ModelJson): Promise<ReferenceRun> {
  const processor = new CLIPImageProcessor(model.preprocessorConfig);
  const raw = new RawImage(new Uint8ClampedArray(image.data), image.width, image.height, 3);
  const out = await processor._call(raw);
  return {
    pixelValues: out.pixel_values.data as Float32Array,
    dims: out.pixel_values.dims,
    reshaped: out.reshaped_input_sizes[0] as [number, number],
  };
}

export { maxAbsDiff } from '../../testing/tensors.ts';

export function meanAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs((a[i] as number) - (b[i] as number));
  return sum / a.length;
}

/** A normalised [3, H, W] tensor back to uint8 HWC levels (exact for values that came from uint8). */
export function toLevels(chw: Float32Array, size: Size): Uint8Array {
  const plane = size.width * size.height;
  const out = new Uint8Array(plane * 3);
  for (let c = 0; c < 3; c++) {
    const mean = OPENAI_CLIP_MEAN[c] as number;
    const std = OPENAI_CLIP_STD[c] as number;
    for (let i = 0; i < plane; i++) {
      out[i * 3 + c] = Math.round(((chw[c * plane + i] as number) * std + mean) * 255);
    }
  }
  return out;
}

/** Python's center_crop of uint8 HWC pixels to `crop` (offsets (orig − crop) // 2; zero padding). */
export function centerCrop(image: Rgb, crop: Size): Uint8Array {
  const left = Math.floor((image.width - crop.width) / 2);
  const top = Math.floor((image.height - crop.height) / 2);
  const out = new Uint8Array(crop.width * crop.height * 3);
  for (let y = 0; y < crop.height; y++) {
    for (let x = 0; x < crop.width; x++) {
      const sx = x + left;
      const sy = y + top;
      if (sx < 0 || sy < 0 || sx >= image.width || sy >= image.height) continue;
      for (let c = 0; c < 3; c++)
        out[(y * crop.width + x) * 3 + c] = image.data[(sy * image.width + sx) * 3 + c] as number;
    }
  }
  return out;
}

/** Python's CLIPImageProcessor pixels (uint8 HWC, before rescale/normalise): Pillow BICUBIC resize, center crop. */
export function pythonPixels(image: Rgb, resized: Size, crop: Size): Uint8Array {
  return centerCrop(pillowResize(image, resized, 'bicubic'), crop);
}
