/**
 * LLaVA-1.5 geometry, following Python's CLIPImageProcessor (resize, then center crop) and LlavaProcessor (token
 * count). One fixed view per image: there are no tiles to choose, so both details give the same plan.
 * Pure arithmetic: no pixels are touched here.
 */
import type { Detail, Size, Tile, TilePlan } from '../../../app/tile-plan.ts';
import { TesseraError } from '../../errors.ts';
import type { Region } from '../region.ts';
import type { LlavaConfig, ResizeTarget } from './config.ts';

export const FAMILY = 'llava';

export interface LlavaGeometry {
  /** After the resize step (the original size without do_resize). */
  resized: Size;
  /**
   * The crop window in resized-image pixels, inputSize large. It may reach past the image (left or top
   * negative, or beyond the far edge) where Python pads with zeros.
   */
  crop: Region;
  /** The part of the window inside the resized image: the pixels that are not padding. */
  inside: Region;
}

/**
 * `get_resize_output_image_size(image, size=shortest_edge, default_to_square=False)`: the short side becomes
 * `shortest_edge`, the long side `int(shortest_edge * long / short)`; unchanged when the short side already is.
 */
export function resizedSize({ width, height }: Size, target: ResizeTarget): Size {
  if (!('shortestEdge' in target)) return { width: target.width, height: target.height };
  const s = target.shortestEdge;
  const [short, long] = width <= height ? [width, height] : [height, width];
  if (short === s) return { width, height };
  // Python: requested_new_short * long / short (exact integer product, one float division), then int().
  const newLong = Math.trunc((s * long) / short);
  return width <= height ? { width: s, height: newLong } : { width: newLong, height: s };
}

/**
 * `center_crop`: offsets (orig − crop) // 2 on each axis. Python's floor division makes a window larger than the
 * image start at −ceil((crop − orig) / 2): the image sits at that offset in a zero-padded canvas.
 */
export function llavaGeometry(cfg: LlavaConfig, original: Size): LlavaGeometry {
  const resized = cfg.resize
    ? resizedSize(original, cfg.resize)
    : { width: original.width, height: original.height };
  const { width, height } = cfg.crop ?? resized; // no crop: the exact resize is the input
  const crop = {
    left: Math.floor((resized.width - width) / 2),
    top: Math.floor((resized.height - height) / 2),
    width,
    height,
  };
  const left = Math.max(0, crop.left);
  const top = Math.max(0, crop.top);
  const inside = {
    left,
    top,
    width: Math.min(resized.width, crop.left + width) - left,
    height: Math.min(resized.height, crop.top + height) - top,
  };
  return { resized, crop, inside };
}

export function planLlava(cfg: LlavaConfig, size: Size, detail: Detail): TilePlan {
  checkSize(size);
  const original = { width: size.width, height: size.height }; // a DecodedImage is a Size too: drop its pixels
  const { resized, inside } = llavaGeometry(cfg, original);
  // The crop in original pixels, edges mapped back through the resize and rounded outward, so the rectangle
  // contains every pixel the view was sampled from (a little more where the kernel reaches past it).
  const edge = (v: number, full: number, scaled: number, round: (x: number) => number) =>
    Math.min(full, Math.max(0, round((v * full) / scaled)));
  const x = edge(inside.left, original.width, resized.width, Math.floor);
  const y = edge(inside.top, original.height, resized.height, Math.floor);
  const tile: Tile = {
    x,
    y,
    width: edge(inside.left + inside.width, original.width, resized.width, Math.ceil) - x,
    height: edge(inside.top + inside.height, original.height, resized.height, Math.ceil) - y,
    inputWidth: cfg.inputSize.width,
    inputHeight: cfg.inputSize.height,
    tokens: cfg.imageTokens,
  };
  return {
    family: FAMILY,
    detail,
    original,
    resized,
    grid: { rows: 1, cols: 1, unit: 'tiles' },
    tiles: [tile],
    global: null,
    imageTokens: cfg.imageTokens,
    // The expansion is the placeholder repeated: no marker tokens around it.
    promptTokens: cfg.imageTokens,
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
