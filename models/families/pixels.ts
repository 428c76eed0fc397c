/**
 * Pixel steps the families share: sharp resizes of raw uint8 RGB (Python resizes uint8 PIL images) and the
 * rescale + normalise lookup table applied last.
 */
import sharp from 'sharp';
import type { Size, TilePlan } from '../../app/tile-plan.ts';
import { TesseraError } from '../errors.ts';
import type { ResizeKernel } from './json-source.ts';
import type { Region } from './region.ts';

/** Raw RGB, row-major HWC uint8 (a DecodedImage is one). */
export interface Rgb {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Refuses a tile plan made for another family or another image size (a caller mixing up attachments). */
export function assertPlanFits(family: string, image: Size, plan: TilePlan): void {
  if (plan.family === family && plan.original.width === image.width && plan.original.height === image.height)
    return;
  throw new TesseraError(
    'INTERNAL',
    `The tile plan (${plan.family}, ${plan.original.width}×${plan.original.height}) does not belong to this ` +
      `${image.width}×${image.height} image.`,
  );
}

/**
 * sharp resize of raw RGB (same call as transformers.js's RawImage.resize for LANCZOS); no-op at equal size.
 * With `region`, only that part of the resized image is returned: libvips computes pixels on demand, so a
 * crop of a huge resize (a 1×5000 sliver scaled to a 336-pixel short side) never allocates the whole of it,
 * and its pixels are those of the full resize.
 */
export async function resize(image: Rgb, size: Size, kernel: ResizeKernel, region?: Region): Promise<Rgb> {
  const whole = { left: 0, top: 0, ...size };
  const want = region ?? whole;
  const same = image.width === size.width && image.height === size.height;
  if (same && want.left === 0 && want.top === 0 && want.width === size.width && want.height === size.height) {
    return image;
  }
  let pipeline = sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } });
  if (!same) pipeline = pipeline.resize({ width: size.width, height: size.height, fit: 'fill', kernel });
  if (region) pipeline = pipeline.extract(region);
  const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 3 || info.width !== want.width || info.height !== want.height) {
    throw new TesseraError(
      'INTERNAL',
      `Resize to ${size.width}×${size.height} returned ${info.width}×${info.height}.`,
    );
  }
  return { width: info.width, height: info.height, data };
}

/**
 * value → normalised float for each channel: 3 × 256 entries, so the frame loop is lookups only. Computed as
 * transformers.js does (float32 rescale, then (x − mean) / std rounded to float32), so equal pixels give equal
 * floats; Python's float32 arithmetic differs by at most one float32 ulp.
 */
export function normalisationTable(
  rescaleFactor: number,
  imageMean: readonly number[],
  imageStd: readonly number[],
): Float32Array {
  const lut = new Float32Array(3 * 256);
  for (let c = 0; c < 3; c++) {
    const mean = imageMean[c] ?? 0;
    const std = imageStd[c] ?? 1;
    for (let v = 0; v < 256; v++) lut[c * 256 + v] = (Math.fround(rescaleFactor * v) - mean) / std;
  }
  return lut;
}
