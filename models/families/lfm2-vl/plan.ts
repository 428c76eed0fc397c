/**
 * LFM2-VL geometry, following Python's Lfm2VlImageProcessor: a "smart resize" to a multiple of 32 pixels within
 * [min_image_tokens, max_image_tokens]; an image too large for that (by max_pixels_tolerance) is instead cut into
 * 512-pixel tiles on the grid closest to its aspect ratio, plus the smart-resized thumbnail. `low` detail never
 * splits; `high` splits as Python does. Pure arithmetic: no pixels are touched here.
 */
import type { Detail, Size, Tile, TilePlan } from '../../../app/tile-plan.ts';
import { TesseraError } from '../../errors.ts';
import type { Lfm2VlConfig } from './config.ts';

export const FAMILY = 'lfm2_vl';

/** Python's round(): halves go to the even neighbour (transformers.js's Math.round sends them up). */
export function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff !== 0.5) return Math.round(x);
  return floor % 2 === 0 ? floor : floor + 1;
}

const roundByFactor = (n: number, factor: number) => roundHalfEven(n / factor) * factor;

/** Python's smart_resize: sides a multiple of patch·ds, pixels within [min, max]_image_tokens · (patch·ds)². */
export function smartResize(cfg: Lfm2VlConfig, size: Size): Size {
  const f = cfg.patchSize * cfg.downsampleFactor;
  const minPixels = cfg.minImageTokens * f * f;
  const maxPixels = cfg.maxImageTokens * f * f;
  const height = Math.max(f, size.height);
  const width = Math.max(f, size.width);
  let h = Math.max(f, roundByFactor(height, f));
  let w = Math.max(f, roundByFactor(width, f));
  if (h * w > maxPixels) {
    const beta = Math.sqrt((height * width) / maxPixels);
    h = Math.max(f, Math.floor(height / beta / f) * f);
    w = Math.max(f, Math.floor(width / beta / f) * f);
  } else if (h * w < minPixels) {
    const beta = Math.sqrt(minPixels / (height * width));
    h = Math.ceil((height * beta) / f) * f;
    w = Math.ceil((width * beta) / f) * f;
  }
  return { width: w, height: h };
}

/** `_is_image_too_large`: more pixels than max_image_tokens allows, times max_pixels_tolerance. */
export function isTooLarge(cfg: Lfm2VlConfig, { width, height }: Size): boolean {
  const f = cfg.patchSize * cfg.downsampleFactor;
  const h = Math.max(cfg.patchSize, roundByFactor(height, f));
  const w = Math.max(cfg.patchSize, roundByFactor(width, f));
  return h * w > cfg.maxImageTokens * f * f * cfg.maxPixelsTolerance;
}

/** Every (cols, rows) with min_tiles ≤ cols·rows ≤ max_tiles, by area (stable: first found first). */
export function targetGrids(minTiles: number, maxTiles: number): Array<{ cols: number; rows: number }> {
  const grids: Array<{ cols: number; rows: number }> = [];
  const seen = new Set<string>();
  for (let n = minTiles; n <= maxTiles; n++) {
    for (let cols = 1; cols <= n; cols++) {
      for (let rows = 1; rows <= n; rows++) {
        const area = cols * rows;
        if (area < minTiles || area > maxTiles || seen.has(`${cols}x${rows}`)) continue;
        seen.add(`${cols}x${rows}`);
        grids.push({ cols, rows });
      }
    }
  }
  return grids.sort((a, b) => a.cols * a.rows - b.cols * b.rows);
}

/** The grid whose aspect ratio is closest to the image's; a tie goes to the larger grid while it is not upscaled 2×. */
export function chooseGrid(cfg: Lfm2VlConfig, { width, height }: Size): { cols: number; rows: number } {
  const aspect = width / height;
  let best = { cols: 1, rows: 1 };
  let bestDiff = Infinity;
  for (const grid of targetGrids(cfg.minTiles, cfg.maxTiles)) {
    const diff = Math.abs(aspect - grid.cols / grid.rows);
    if (diff < bestDiff) {
      bestDiff = diff;
      best = grid;
    } else if (diff === bestDiff && width * height > 0.5 * cfg.tileSize ** 2 * grid.cols * grid.rows) {
      best = grid;
    }
  }
  return best;
}

/** Image tokens of one view: its patch grid, each side divided by the unshuffle factor (rounded up). */
export function viewTokens(cfg: Lfm2VlConfig, { width, height }: Size): number {
  const side = (pixels: number) => Math.ceil(Math.floor(pixels / cfg.patchSize) / cfg.downsampleFactor);
  return side(width) * side(height);
}

export function planLfm2Vl(cfg: Lfm2VlConfig, size: Size, detail: Detail): TilePlan {
  checkSize(size);
  const original = { width: size.width, height: size.height }; // a DecodedImage is a Size too: drop its pixels
  const thumbnail = smartResize(cfg, original);
  const whole = (input: Size): Tile => ({
    x: 0,
    y: 0,
    width: original.width,
    height: original.height,
    inputWidth: input.width,
    inputHeight: input.height,
    tokens: viewTokens(cfg, input),
  });
  const split = detail === 'high' && cfg.splitting && isTooLarge(cfg, original);
  if (!split) {
    const tile = checkPatches(cfg, whole(thumbnail));
    return plan(detail, original, thumbnail, { rows: 1, cols: 1 }, [tile], null);
  }
  const grid = chooseGrid(cfg, original);
  const resized = { width: cfg.tileSize * grid.cols, height: cfg.tileSize * grid.rows };
  const tiles: Tile[] = [];
  // Each tile in original pixels: its edges mapped back through the resize, rounded outward.
  const edge = (i: number, n: number, full: number, round: (x: number) => number) => round((i * full) / n);
  for (let r = 0; r < grid.rows; r++) {
    for (let c = 0; c < grid.cols; c++) {
      const x = edge(c, grid.cols, original.width, Math.floor);
      const y = edge(r, grid.rows, original.height, Math.floor);
      tiles.push({
        x,
        y,
        width: edge(c + 1, grid.cols, original.width, Math.ceil) - x,
        height: edge(r + 1, grid.rows, original.height, Math.ceil) - y,
        inputWidth: cfg.tileSize,
        inputHeight: cfg.tileSize,
        tokens: viewTokens(cfg, { width: cfg.tileSize, height: cfg.tileSize }),
      });
    }
  }
  const single = tiles.length === 1;
  const global = cfg.useThumbnail && !single ? checkPatches(cfg, whole(thumbnail)) : null;
  return plan(detail, original, resized, grid, tiles, global);
}

function plan(
  detail: Detail,
  original: Size,
  resized: Size,
  grid: { rows: number; cols: number },
  tiles: Tile[],
  global: Tile | null,
): TilePlan {
  const imageTokens = tiles.reduce((n, t) => n + t.tokens, 0) + (global?.tokens ?? 0);
  // <|image_start|>, <|image_end|>, one <|img_row_r_col_c|> per tile of a real grid, <|img_thumbnail|>.
  const markers = 2 + (tiles.length > 1 ? tiles.length : 0) + (global ? 1 : 0);
  return {
    family: FAMILY,
    detail,
    original,
    resized,
    grid: { rows: grid.rows, cols: grid.cols, unit: 'tiles' },
    tiles,
    global,
    imageTokens,
    promptTokens: imageTokens + markers,
  };
}

/** A view with more patches than a pixel_values row holds (an extremely thin image) cannot be encoded. */
function checkPatches(cfg: Lfm2VlConfig, tile: Tile): Tile {
  const patches = Math.floor(tile.inputWidth / cfg.patchSize) * Math.floor(tile.inputHeight / cfg.patchSize);
  if (patches > cfg.maxNumPatches) {
    throw new TesseraError(
      'BAD_REQUEST',
      `A ${tile.width}×${tile.height} image resizes to ${tile.inputWidth}×${tile.inputHeight}, ${patches} patches, ` +
        `more than the ${cfg.maxNumPatches} the vision encoder takes; crop it to a less extreme aspect ratio.`,
    );
  }
  return tile;
}

function checkSize({ width, height }: Size): void {
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) {
    throw new TesseraError(
      'BAD_REQUEST',
      `An image size must be whole positive pixels, got ${width} × ${height}.`,
    );
  }
}
