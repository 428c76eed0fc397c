/**
 * Phi-3-vision geometry, following Python's Phi3VImageProcessor (HD_transform, padding_336): the image is
 * resized so that at most `num_crops` 336-pixel crops cover it, padded with white to multiples of 336, and cut
 * into exact 336 × 336 crops, after one global 336 × 336 view of the whole padded image. Pure arithmetic.
 */
import type { Detail, Size, Tile, TilePlan } from '../../../app/tile-plan.ts';
import { TesseraError } from '../../errors.ts';
import type { Region } from '../region.ts';
import { CROP_SIDE, type Phi3vConfig } from './config.ts';

export const FAMILY = 'phi3_v';

export interface HdGeometry {
  /** The HD resize of the image (the pixels that are not padding). */
  resized: Size;
  /** The white-padded canvas: multiples of 336 on both sides. */
  padded: Size;
  /** Where the resized image sits in the canvas. */
  content: Region;
  /** Crop grid of the canvas. */
  rows: number;
  cols: number;
}

/**
 * 'high' uses the model's num_crops (4 for Phi-3.5, 16 for Phi-3); 'low' uses 1, the Python processor's own
 * default: one crop plus the global view. (transformers.js refuses num_crops < 4; docs/preprocessing.md.)
 */
export function cropsFor(cfg: Phi3vConfig, detail: Detail): number {
  return detail === 'low' ? 1 : cfg.numCrops;
}

/**
 * HD_transform: portrait images are transposed first, so the long side is the width; the largest `scale` with
 * scale · ceil(scale / ratio) ≤ num_crops sets the width to scale · 336, the height follows the aspect
 * (truncated), and padding_336 pads the height to a multiple of 336, top = (pad / 2) truncated. Transposing
 * back puts portrait padding left and right.
 */
export function hdGeometry(original: Size, numCrops: number): HdGeometry {
  const transposed = original.width < original.height;
  const long = transposed ? original.height : original.width;
  const short = transposed ? original.width : original.height;
  const ratio = long / short;
  let scale = 1;
  while (scale * Math.ceil(scale / ratio) <= numCrops) scale++;
  scale--;
  const newLong = scale * CROP_SIDE;
  const newShort = Math.floor(newLong / ratio);
  if (newShort < 1) {
    throw new TesseraError(
      'BAD_REQUEST',
      `A ${original.width}×${original.height} image is too narrow for Phi-3-vision: its short side would be ` +
        `resized to 0 pixels. Crop the image to a less extreme aspect ratio.`,
    );
  }
  const paddedShort = Math.ceil(newShort / CROP_SIDE) * CROP_SIDE;
  const offset = Math.trunc((paddedShort - newShort) / 2);
  const across = newLong / CROP_SIDE;
  const down = paddedShort / CROP_SIDE;
  return transposed
    ? {
        resized: { width: newShort, height: newLong },
        padded: { width: paddedShort, height: newLong },
        content: { left: offset, top: 0, width: newShort, height: newLong },
        rows: across,
        cols: down,
      }
    : {
        resized: { width: newLong, height: newShort },
        padded: { width: newLong, height: paddedShort },
        content: { left: 0, top: offset, width: newLong, height: newShort },
        rows: down,
        cols: across,
      };
}

/**
 * Image feature rows (Python's calc_num_image_tokens): 144 per crop and for the global view, a newline row
 * after each of the 12 feature rows of every crop-grid row and of the global view, and one separator.
 */
export function imageTokenCount(cfg: Phi3vConfig, rows: number, cols: number): number {
  return (rows * cols + 1) * cfg.tokensPerCrop + 1 + (rows + 1) * cfg.tokensPerRow;
}

export function planPhi3v(cfg: Phi3vConfig, size: Size, detail: Detail): TilePlan {
  checkSize(size);
  const original = { width: size.width, height: size.height }; // a DecodedImage is a Size too: drop its pixels
  const hd = hdGeometry(original, cropsFor(cfg, detail));
  const { content, resized } = hd;
  // Canvas pixels → original pixels through the resize, rounded outward and clipped to the image.
  const mapX = (v: number, round: (x: number) => number) =>
    Math.min(original.width, Math.max(0, round(((v - content.left) * original.width) / resized.width)));
  const mapY = (v: number, round: (y: number) => number) =>
    Math.min(original.height, Math.max(0, round(((v - content.top) * original.height) / resized.height)));
  const tiles: Tile[] = [];
  for (let r = 0; r < hd.rows; r++) {
    for (let c = 0; c < hd.cols; c++) {
      const x = mapX(c * CROP_SIDE, Math.floor);
      const y = mapY(r * CROP_SIDE, Math.floor);
      tiles.push({
        x,
        y,
        width: mapX((c + 1) * CROP_SIDE, Math.ceil) - x,
        height: mapY((r + 1) * CROP_SIDE, Math.ceil) - y,
        inputWidth: CROP_SIDE,
        inputHeight: CROP_SIDE,
        // The last crop of a grid row carries that row's newline rows, so the tiles and the global view
        // add up to the image's token count.
        tokens: cfg.tokensPerCrop + (c === hd.cols - 1 ? cfg.tokensPerRow : 0),
      });
    }
  }
  const imageTokens = imageTokenCount(cfg, hd.rows, hd.cols);
  return {
    family: FAMILY,
    detail,
    original,
    resized,
    grid: { rows: hd.rows, cols: hd.cols, unit: 'tiles' },
    tiles,
    global: {
      x: 0,
      y: 0,
      width: original.width,
      height: original.height,
      inputWidth: CROP_SIDE,
      inputHeight: CROP_SIDE,
      // Its 144 rows, its 12 newline rows and the separator in front of it.
      tokens: cfg.tokensPerCrop + cfg.tokensPerRow + 1,
    },
    imageTokens,
    // The expansion is `<|image|>` repeated: no marker tokens around it.
    promptTokens: imageTokens,
  };
}

function checkSize({ width, height }: Size): void {
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) {
    throw new TesseraError(
      'BAD_REQUEST',
      `An image size must be whole positive pixels, got ${width} × ${height}.`,
    );
  }
}
