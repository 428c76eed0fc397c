/**
 * LLaVA-OneVision tile plans. `high` is Python's single-image AnyRes: the base view (the whole image squashed to
 * 384×384) as `global`, and the crops of the chosen pinpoint grid as tiles. `low` is the base view alone, with the
 * one `image_newline` row Python's model appends to a single-view image. Pure arithmetic: no pixels here.
 */
import type { Detail, Size, Tile, TilePlan } from '../../../app/tile-plan.ts';
import { TesseraError } from '../../errors.ts';
import { anyresLayout } from './anyres.ts';
import type { OnevisionConfig } from './config.ts';

export const FAMILY = 'llava-onevision';

export function planOnevision(cfg: OnevisionConfig, size: Size, detail: Detail): TilePlan {
  checkSize(size);
  const original = { width: size.width, height: size.height }; // a DecodedImage is a Size too: drop its pixels
  const v = cfg.viewSide;
  const baseTokens = cfg.featureSide ** 2;
  const global: Tile = { x: 0, y: 0, ...original, inputWidth: v, inputHeight: v, tokens: baseTokens };
  if (detail === 'low') {
    const tokens = baseTokens + 1; // the image_newline row
    return {
      family: FAMILY,
      detail,
      original,
      resized: { width: v, height: v },
      grid: { rows: 0, cols: 0, unit: 'tiles' },
      tiles: [],
      global: { ...global, tokens },
      imageTokens: tokens,
      promptTokens: tokens,
    };
  }

  const layout = anyresLayout(original, cfg);
  const { resized, paste, rows, cols } = layout;
  // A crop's rectangle: its canvas square ∩ the pasted image, mapped back to original pixels, rounded outward.
  const edge = (canvas: number, offset: number, full: number, scaled: number, round: (x: number) => number) =>
    Math.min(full, Math.max(0, round(((canvas - offset) * full) / scaled)));
  // The crop rows share the crop-grid tokens (cells + newlines) evenly; the first ones take the remainder.
  const cropTokens = layout.tokens - baseTokens;
  const crops = rows * cols;
  const tiles: Tile[] = [];
  for (let r = 0; r < rows; r++) {
    const y = edge(r * v, paste.y, original.height, resized.height, Math.floor);
    const height = edge((r + 1) * v, paste.y, original.height, resized.height, Math.ceil) - y;
    for (let c = 0; c < cols; c++) {
      const x = edge(c * v, paste.x, original.width, resized.width, Math.floor);
      const width = edge((c + 1) * v, paste.x, original.width, resized.width, Math.ceil) - x;
      const index = r * cols + c;
      const tokens = Math.floor(cropTokens / crops) + (index < cropTokens % crops ? 1 : 0);
      tiles.push({ x, y, width, height, inputWidth: v, inputHeight: v, tokens });
    }
  }
  return {
    family: FAMILY,
    detail,
    original,
    resized,
    grid: { rows, cols, unit: 'tiles' },
    tiles,
    global,
    imageTokens: layout.tokens,
    promptTokens: layout.tokens,
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
