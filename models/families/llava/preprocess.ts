/**
 * LLaVA-1.5 pixel tensor for one image, in Python's CLIPImageProcessor order: resize the uint8 image with the
 * model's kernel, center crop (zero padding where the window reaches past the image), then rescale and normalise
 * in one pass.
 */
import type { TilePlan } from '../../../app/tile-plan.ts';
import type { DecodedImage } from '../../image/decode.ts';
import type { TensorData } from '../../tensor.ts';
import type { ResizeKernel } from '../json-source.ts';
import { type PillowFilter, pillowResize } from '../pillow-resample.ts';
import { assertPlanFits, normalisationTable, resize } from '../pixels.ts';
import type { LlavaConfig } from './config.ts';
import { FAMILY, llavaGeometry } from './plan.ts';

/** Pillow's filter for each sharp kernel; nearest has no port (sharp's nearest is used). */
const PILLOW_FILTERS: Record<ResizeKernel, PillowFilter | null> = {
  nearest: null,
  linear: 'bilinear',
  cubic: 'bicubic',
  lanczos3: 'lanczos',
};

export async function preprocessLlava(
  cfg: LlavaConfig,
  image: DecodedImage,
  plan: TilePlan,
): Promise<Record<string, TensorData>> {
  assertPlanFits(FAMILY, image, plan);
  const { resized, crop, inside } = llavaGeometry(cfg, plan.original);
  // Only the part of the resize that the crop keeps is computed. Shrinking runs in sharp (fast, within a few
  // levels of Pillow); enlarging, where libvips samples off Pillow's grid, runs in a port of Pillow.
  const enlarges = resized.width > image.width || resized.height > image.height;
  const filter = PILLOW_FILTERS[cfg.kernel];
  const pixels =
    enlarges && filter
      ? pillowResize(image, resized, filter, inside)
      : await resize(image, resized, cfg.kernel, inside);
  const { width: w, height: h } = crop;
  const plane = w * h;
  const lut = normalisationTable(cfg.rescaleFactor, cfg.imageMean, cfg.imageStd);
  const out = new Float32Array(3 * plane);
  // Padding is the uint8 value 0, normalised like any pixel (Python pads before rescale and normalise).
  for (let c = 0; c < 3; c++) out.fill(lut[c * 256] as number, c * plane, (c + 1) * plane);
  const x0 = inside.left - crop.left;
  const y0 = inside.top - crop.top;
  const src = pixels.data;
  let s = 0;
  for (let y = 0; y < inside.height; y++) {
    let o = (y0 + y) * w + x0;
    for (let x = 0; x < inside.width; x++, s += 3, o++) {
      out[o] = lut[src[s] as number] as number;
      out[o + plane] = lut[256 + (src[s + 1] as number)] as number;
      out[o + 2 * plane] = lut[512 + (src[s + 2] as number)] as number;
    }
  }
  return { pixel_values: { type: 'float32', dims: [1, 3, h, w], data: out } };
}
