/**
 * LLaVA-OneVision pixel tensor for one image, in Python's LlavaOnevisionImageProcessor order: the base view (the
 * uint8 image resized to 384×384, aspect not kept), then for `high` the image resized into the chosen pinpoint
 * with its aspect kept, pasted on a zero canvas (`_pad_for_patching`) and cut into 384×384 crops, row by row.
 * Rescale and normalise come last, on every view. Output: pixel_values [1 + crops, 3, 384, 384].
 */
import type { Size, TilePlan } from '../../../app/tile-plan.ts';
import type { DecodedImage } from '../../image/decode.ts';
import type { TensorData } from '../../tensor.ts';
import type { ResizeKernel } from '../json-source.ts';
import { type PillowFilter, pillowResize } from '../pillow-resample.ts';
import { type Rgb, assertPlanFits, normalisationTable, resize } from '../pixels.ts';
import { anyresLayout } from './anyres.ts';
import type { OnevisionConfig } from './config.ts';
import { FAMILY } from './plan.ts';

const PILLOW_FILTERS: Record<ResizeKernel, PillowFilter | null> = {
  nearest: null,
  linear: 'bilinear',
  cubic: 'bicubic',
  lanczos3: 'lanczos',
};

/**
 * Python resizes with Pillow. Shrinking runs in sharp (fast, within a few levels of Pillow); enlarging, where
 * libvips samples off Pillow's grid, runs in the Pillow port (as the LLaVA family does).
 */
export async function resizeLikePillow(image: Rgb, size: Size, kernel: ResizeKernel): Promise<Rgb> {
  const filter = PILLOW_FILTERS[kernel];
  const enlarges = size.width > image.width || size.height > image.height;
  return enlarges && filter ? pillowResize(image, size, filter) : resize(image, size, kernel);
}

export async function preprocessOnevision(
  cfg: OnevisionConfig,
  image: DecodedImage,
  plan: TilePlan,
): Promise<Record<string, TensorData>> {
  assertPlanFits(FAMILY, image, plan);
  const v = cfg.viewSide;
  const views: Rgb[] = [await resizeLikePillow(image, { width: v, height: v }, cfg.kernel)];
  if (plan.detail === 'high') views.push(...(await crops(cfg, image)));

  const plane = v * v;
  const lut = normalisationTable(cfg.rescaleFactor, cfg.imageMean, cfg.imageStd);
  const out = new Float32Array(views.length * 3 * plane);
  views.forEach((view, n) => {
    const base = n * 3 * plane;
    const src = view.data;
    for (let i = 0, s = 0; i < plane; i++, s += 3) {
      out[base + i] = lut[src[s] as number] as number;
      out[base + plane + i] = lut[256 + (src[s + 1] as number)] as number;
      out[base + 2 * plane + i] = lut[512 + (src[s + 2] as number)] as number;
    }
  });
  return { pixel_values: { type: 'float32', dims: [views.length, 3, v, v], data: out } };
}

/** The crops of the padded, resized image, row-major; padding is uint8 0, normalised like any pixel. */
async function crops(cfg: OnevisionConfig, image: DecodedImage): Promise<Rgb[]> {
  const layout = anyresLayout(image, cfg);
  const { best, paste, rows, cols } = layout;
  const resized = await resizeLikePillow(image, layout.resized, cfg.kernel);
  const canvas = new Uint8Array(best.width * best.height * 3);
  const rowBytes = resized.width * 3;
  for (let y = 0; y < resized.height; y++) {
    const to = ((paste.y + y) * best.width + paste.x) * 3;
    canvas.set(resized.data.subarray(y * rowBytes, (y + 1) * rowBytes), to);
  }
  const v = cfg.viewSide;
  const out: Rgb[] = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const data = new Uint8Array(v * v * 3);
      for (let y = 0; y < v; y++) {
        const from = ((r * v + y) * best.width + c * v) * 3;
        data.set(canvas.subarray(from, from + v * 3), y * v * 3);
      }
      out.push({ width: v, height: v, data });
    }
  }
  return out;
}
