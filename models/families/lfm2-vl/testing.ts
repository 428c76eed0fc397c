/**
 * Test fixtures for the LFM2-VL family: LiquidAI/LFM2-VL-450M's configuration (the keys Tessera reads, with
 * their published values) and transformers.js's Lfm2VlImageProcessor on the same pixels.
 */
import { Lfm2VlImageProcessor, RawImage, type Tensor } from '@huggingface/transformers';
import { expect } from 'vitest';
import type { DecodedImage } from '../../image/decode.ts';
import type { TensorData } from '../../tensor.ts';
import { hfTensor } from '../../testing/oracle-inputs.ts';
import type { ProcessorRun } from '../../testing/transformers-oracle.ts';
import type { ModelJson } from '../family.ts';

type Json = Record<string, unknown>;

export const LFM2_VL_PREPROCESSOR: Json = {
  image_processor_type: 'Lfm2VlImageProcessor',
  processor_class: 'Lfm2VlProcessor',
  do_convert_rgb: true,
  do_rescale: true,
  rescale_factor: 1 / 255,
  do_normalize: true,
  image_mean: [0.5, 0.5, 0.5],
  image_std: [0.5, 0.5, 0.5],
  resample: 2,
  do_image_splitting: true,
  downsample_factor: 2,
  encoder_patch_size: 16,
  max_image_tokens: 256,
  min_image_tokens: 64,
  max_tiles: 10,
  min_tiles: 2,
  tile_size: 512,
  use_thumbnail: true,
  max_pixels_tolerance: 2.0,
  max_num_patches: 1024,
};

export function lfm2Vl450m(
  overrides: { config?: Json; preprocessor?: Json; processor?: Json | null } = {},
): ModelJson {
  return {
    dir: '/models/LFM2-VL-450M',
    config: {
      model_type: 'lfm2_vl',
      image_token_id: 396,
      downsample_factor: 2,
      text_config: { model_type: 'lfm2', hidden_size: 1024 },
      vision_config: { model_type: 'siglip2_vision_model', patch_size: 16, num_patches: 256 },
      ...overrides.config,
    },
    preprocessorConfig: { ...LFM2_VL_PREPROCESSOR, ...overrides.preprocessor },
    processorConfig:
      overrides.processor === null
        ? null
        : { image_token: '<image>', processor_class: 'Lfm2VlProcessor', ...overrides.processor },
  };
}

/** A solid-colour image. */
export function solidImage(width: number, height: number, value: number): DecodedImage {
  return { width, height, channels: 3, data: new Uint8Array(width * height * 3).fill(value) };
}

/** transformers.js's Lfm2VlImageProcessor (row/col info on) for these pixels and preprocessor settings. */
export async function transformersFeeds(image: DecodedImage, preprocessor: Json = LFM2_VL_PREPROCESSOR) {
  const processor = new Lfm2VlImageProcessor(preprocessor);
  const raw = new RawImage(new Uint8ClampedArray(image.data), image.width, image.height, 3);
  const out = (await processor(raw, { return_row_col_info: true } as never)) as Record<string, unknown>;
  const tensor = (name: string) => out[name] as { data: Float32Array | BigInt64Array; dims: number[] };
  return {
    pixelValues: tensor('pixel_values'),
    mask: tensor('pixel_attention_mask'),
    spatialShapes: tensor('spatial_shapes'),
    rows: out.image_rows as number[],
    cols: out.image_cols as number[],
    sizes: out.image_sizes as number[][],
  };
}

/** For the oracle suite: all three of Tessera's encoder feeds, fed to transformers.js in place of its own. */
export const lfm2OracleFeeds = (ours: Record<string, TensorData>[]): Record<string, Tensor> => ({
  pixel_values: hfTensor(ours[0]?.pixel_values),
  pixel_attention_mask: hfTensor(ours[0]?.pixel_attention_mask),
  spatial_shapes: hfTensor(ours[0]?.spatial_shapes),
});

/** transformers.js's processor planned the same tile grids as Tessera (which feeds its own pixel rows). */
export function expectSameGrids(run: ProcessorRun): void {
  const shapes = run.ours.feeds[0]?.spatial_shapes;
  expect(run.inputs.spatial_shapes.tolist()).toEqual(
    Array.from({ length: shapes?.dims[0] ?? 0 }, (_, i) =>
      Array.from((shapes?.data as BigInt64Array).slice(2 * i, 2 * i + 2)),
    ),
  );
}
