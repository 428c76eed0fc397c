/**
 * Qwen2-VL geometry, following Python's Qwen2VLImageProcessor: `smart_resize` picks a size whose sides are
 * multiples of patch · merge (28) and whose area lies within the pixel budget, keeping the aspect ratio. The
 * encoder sees the whole image at that size; each 28×28 block (2×2 patches of 14) becomes one token.
 *
 * The plan is one tile covering the whole image, sized as the encoder receives it, and `grid` is the grid of
 * merged patches (rows × cols of 28-pixel blocks): the runtime's 3-D rope positions read it. A tile per merged
 * patch would be thousands of rectangles on a large image, too many to draw or read.
 */
import type { Detail, Size, TilePlan } from '../../../app/tile-plan.ts';
import { TesseraError } from '../../errors.ts';
import { LOW_DETAIL_PIXELS, type QwenConfig } from './config.ts';

export const FAMILY = 'qwen2_vl';

/** Python's round(): halves go to the even neighbour (JS Math.round sends them up). */
export function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff < 0.5) return floor;
  if (diff > 0.5) return floor + 1;
  return floor % 2 === 0 ? floor : floor + 1;
}

/**
 * Python's `smart_resize(height, width, factor, min_pixels, max_pixels)` → {width, height}. transformers.js
 * departs in two places, and Tessera follows Python: it rounds halves up (70×70 → 84×84 instead of 56×56), and
 * it first enlarges an image with a side under `factor` so that side reaches it.
 */
export function smartResize(size: Size, factor: number, minPixels: number, maxPixels: number): Size {
  const { width, height } = size;
  const ratio = Math.max(width, height) / Math.min(width, height);
  if (ratio > 200) {
    throw new TesseraError(
      'BAD_REQUEST',
      `The image is ${width}×${height} pixels: Qwen2-VL takes images whose long side is at most 200 times ` +
        'the short side. Crop the image and send it again.',
    );
  }
  let h = roundHalfEven(height / factor) * factor;
  let w = roundHalfEven(width / factor) * factor;
  if (h * w > maxPixels) {
    const beta = Math.sqrt((height * width) / maxPixels);
    h = Math.max(factor, Math.floor(height / beta / factor) * factor);
    w = Math.max(factor, Math.floor(width / beta / factor) * factor);
  } else if (h * w < minPixels) {
    const beta = Math.sqrt(minPixels / (height * width));
    h = Math.ceil((height * beta) / factor) * factor;
    w = Math.ceil((width * beta) / factor) * factor;
  }
  return { width: w, height: h };
}

/** The pixel budget of a detail: `high` is the model's max_pixels, `low` at most 256 tokens' worth. */
export function maxPixelsFor(cfg: QwenConfig, detail: Detail): number {
  return detail === 'high'
    ? cfg.maxPixels
    : Math.max(cfg.minPixels, Math.min(cfg.maxPixels, LOW_DETAIL_PIXELS));
}

/** The size the encoder receives. */
export function qwenResizedSize(cfg: QwenConfig, original: Size, detail: Detail): Size {
  const factor = cfg.patchSize * cfg.mergeSize;
  if (cfg.doResize) return smartResize(original, factor, cfg.minPixels, maxPixelsFor(cfg, detail));
  if (original.width % factor !== 0 || original.height % factor !== 0) {
    throw new TesseraError(
      'BAD_REQUEST',
      `The model's preprocessor_config.json turns resizing off ("do_resize": false), so the image's sides must ` +
        `be multiples of ${factor} pixels; it is ${original.width}×${original.height}. Resize or crop it first.`,
    );
  }
  return { ...original };
}

export function planQwen(cfg: QwenConfig, size: Size, detail: Detail): TilePlan {
  checkSize(size);
  const original = { width: size.width, height: size.height }; // a DecodedImage is a Size too: drop its pixels
  const resized = qwenResizedSize(cfg, original, detail);
  const factor = cfg.patchSize * cfg.mergeSize;
  const rows = resized.height / factor;
  const cols = resized.width / factor;
  const imageTokens = rows * cols; // grid_t · grid_h · grid_w / merge², with grid_t = 1 for an image
  return {
    family: FAMILY,
    detail,
    original,
    resized,
    grid: { rows, cols, unit: 'patches' },
    tiles: [
      {
        x: 0,
        y: 0,
        width: original.width,
        height: original.height,
        inputWidth: resized.width,
        inputHeight: resized.height,
        tokens: imageTokens,
      },
    ],
    global: null,
    imageTokens,
    // <|vision_start|> and <|vision_end|> around the <|image_pad|> run.
    promptTokens: imageTokens + 2,
  };
}

/** grid_thw of the image the plan describes: [temporal, patch rows, patch columns]. */
export function gridThw(cfg: QwenConfig, plan: TilePlan): [number, number, number] {
  return [1, plan.grid.rows * cfg.mergeSize, plan.grid.cols * cfg.mergeSize];
}

function checkSize({ width, height }: Size): void {
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) {
    throw new TesseraError(
      'BAD_REQUEST',
      `An image size must be whole positive pixels, got ${width} × ${height}.`,
    );
  }
}
