/**
 * SmolVLM / Idefics3 pixel tensors for one image. As in Python, every resize runs on uint8 pixels with the
 * model's kernel (sharp) and rescale/normalise come last, in one pass per frame.
 */
import sharp from 'sharp';
import type { Size, TilePlan } from '../../../app/tile-plan.ts';
import { TesseraError } from '../../errors.ts';
import type { DecodedImage } from '../../image/decode.ts';
import type { TensorData } from '../../tensor.ts';
import type { ResizeKernel, SmolVlmConfig } from './config.ts';
import { FAMILY, smolVlmGeometry } from './plan.ts';

interface Rgb {
  width: number;
  height: number;
  data: Uint8Array;
}

export async function preprocessSmolVlm(
  cfg: SmolVlmConfig,
  image: DecodedImage,
  plan: TilePlan,
): Promise<Record<string, TensorData>> {
  if (
    plan.family !== FAMILY ||
    plan.original.width !== image.width ||
    plan.original.height !== image.height
  ) {
    throw new TesseraError(
      'INTERNAL',
      `The tile plan (${plan.family}, ${plan.original.width}×${plan.original.height}) does not belong to this ` +
        `${image.width}×${image.height} image.`,
    );
  }
  const { scaled, resized, rows, cols } = smolVlmGeometry(cfg, plan.original, plan.detail);
  const m = cfg.tileSize;
  const frameSize = 3 * m * m;
  const frames = rows * cols + 1;
  const out = new Float32Array(frames * frameSize);
  const lut = normalisationTable(cfg);

  const step1 = await resize(image, scaled, cfg.kernel);
  const whole = await resize(step1, resized, cfg.kernel);
  if (rows > 0) {
    // The global view resizes on sharp's thread pool while this thread normalises the tiles.
    const globalView = resize(whole, { width: m, height: m }, cfg.kernel);
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) writeFrame(lut, whole, c * m, r * m, m, out, (r * cols + c) * frameSize);
    }
    writeFrame(lut, await globalView, 0, 0, m, out, (frames - 1) * frameSize);
  } else {
    writeFrame(lut, whole, 0, 0, m, out, 0);
  }
  return {
    pixel_values: { type: 'float32', dims: [1, frames, 3, m, m], data: out },
    pixel_attention_mask: {
      type: 'bool',
      dims: [1, frames, m, m],
      data: new Uint8Array(frames * m * m).fill(1),
    },
  };
}

/** sharp resize of raw RGB (same call as transformers.js's RawImage.resize for LANCZOS); no-op at equal size. */
async function resize(image: Rgb, size: Size, kernel: ResizeKernel): Promise<Rgb> {
  if (image.width === size.width && image.height === size.height) return image;
  const { data, info } = await sharp(image.data, {
    raw: { width: image.width, height: image.height, channels: 3 },
  })
    .resize({ width: size.width, height: size.height, fit: 'fill', kernel })
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 3 || info.width !== size.width || info.height !== size.height) {
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
function normalisationTable(cfg: SmolVlmConfig): Float32Array {
  const lut = new Float32Array(3 * 256);
  for (let c = 0; c < 3; c++) {
    const mean = cfg.imageMean[c] ?? 0;
    const std = cfg.imageStd[c] ?? 1;
    for (let v = 0; v < 256; v++) lut[c * 256 + v] = (Math.fround(cfg.rescaleFactor * v) - mean) / std;
  }
  return lut;
}

/** The m×m window at (x0, y0) of an HWC image → CHW floats at out[offset…]. Cropping costs nothing extra here. */
function writeFrame(
  lut: Float32Array,
  image: Rgb,
  x0: number,
  y0: number,
  m: number,
  out: Float32Array,
  offset: number,
) {
  const src = image.data;
  const plane = m * m;
  let o = offset;
  for (let y = 0; y < m; y++) {
    let s = ((y0 + y) * image.width + x0) * 3;
    for (let x = 0; x < m; x++, s += 3, o++) {
      out[o] = lut[src[s] as number] as number;
      out[o + plane] = lut[256 + (src[s + 1] as number)] as number;
      out[o + 2 * plane] = lut[512 + (src[s + 2] as number)] as number;
    }
  }
}
