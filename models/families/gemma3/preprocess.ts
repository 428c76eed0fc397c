/**
 * Gemma 3 pixel tensor for one image, in Python's Gemma3ImageProcessor order: each view (the whole image, then
 * any pan-and-scan crop, cut from the uint8 original) is resized to the fixed square with Pillow's filter, then
 * rescaled and normalised in one pass. Output [views, 3, H, W], views in the plan's order.
 */
import type { TilePlan } from '../../../app/tile-plan.ts';
import type { DecodedImage } from '../../image/decode.ts';
import type { TensorData } from '../../tensor.ts';
import type { ResizeKernel } from '../json-source.ts';
import { type PillowFilter, pillowResize } from '../pillow-resample.ts';
import { type Rgb, assertPlanFits, normalisationTable, resize } from '../pixels.ts';
import type { Region } from '../region.ts';
import type { Gemma3Config } from './config.ts';
import { FAMILY, viewsOf } from './plan.ts';

/** Pillow's filter for each kernel; nearest has no port (sharp's nearest is used). */
const PILLOW_FILTERS: Record<ResizeKernel, PillowFilter | null> = {
  nearest: null,
  linear: 'bilinear',
  cubic: 'bicubic',
  lanczos3: 'lanczos',
};

export async function preprocessGemma3(
  cfg: Gemma3Config,
  image: DecodedImage,
  plan: TilePlan,
): Promise<Record<string, TensorData>> {
  assertPlanFits(FAMILY, image, plan);
  const { width: w, height: h } = cfg.inputSize;
  const views = viewsOf(plan);
  const plane = w * h;
  const lut = normalisationTable(cfg.rescaleFactor, cfg.imageMean, cfg.imageStd);
  const out = new Float32Array(views.length * 3 * plane);
  const filter = PILLOW_FILTERS[cfg.kernel];
  for (const [v, tile] of views.entries()) {
    const region = { left: tile.x, top: tile.y, width: tile.width, height: tile.height };
    const source = cropOf(image, region);
    // Pillow's resampler everywhere: Python resizes every view with it, shrinking or enlarging.
    const pixels = filter
      ? pillowResize(source, cfg.inputSize, filter)
      : await resize(source, cfg.inputSize, cfg.kernel);
    const src = pixels.data;
    const base = v * 3 * plane;
    for (let i = 0, s = 0; i < plane; i++, s += 3) {
      out[base + i] = lut[src[s] as number] as number;
      out[base + plane + i] = lut[256 + (src[s + 1] as number)] as number;
      out[base + 2 * plane + i] = lut[512 + (src[s + 2] as number)] as number;
    }
  }
  return { pixel_values: { type: 'float32', dims: [views.length, 3, h, w], data: out } };
}

/** The pixels of `region` (a numpy slice in Python); the image itself when the region is all of it. */
export function cropOf(image: Rgb, region: Region): Rgb {
  if (
    region.left === 0 &&
    region.top === 0 &&
    region.width === image.width &&
    region.height === image.height
  ) {
    return image;
  }
  const data = new Uint8Array(region.width * region.height * 3);
  const line = region.width * 3;
  for (let y = 0; y < region.height; y++) {
    const from = ((region.top + y) * image.width + region.left) * 3;
    data.set(image.data.subarray(from, from + line), y * line);
  }
  return { width: region.width, height: region.height, data };
}
