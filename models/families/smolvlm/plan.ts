/**
 * SmolVLM / Idefics3 geometry, following Python's image_processing_idefics3 (not transformers.js, which differs in
 * rounding; see docs/preprocessing.md). Pure arithmetic: no pixels are touched here.
 */
import type { Detail, Size, Tile, TilePlan } from '../../../app/tile-plan.ts';
import { TesseraError } from '../../errors.ts';
import type { SmolVlmConfig } from './config.ts';
import { promptTokenCount } from './prompt.ts';

export const FAMILY = 'smolvlm';

/** Python's MAX_IMAGE_SIZE: no side exceeds 4096 after step 1. */
const MAX_IMAGE_SIZE = 4096;

export interface SmolVlmGeometry {
  /** After step 1 (longest edge → size.longest_edge, even short side); the original size without do_resize. */
  scaled: Size;
  /** What the frames are cut from: multiples of M when split, M×M for a single frame. */
  resized: Size;
  /** 0 and 0 for a single frame. */
  rows: number;
  cols: number;
}

// Python int() truncates; the same float operations in the same order give the same doubles as CPython.
const int = Math.trunc;

/** `_resize_output_size_rescale_to_max_len`: longest edge = maxLen (up or down), odd short side made even. */
function rescaleToMaxLen({ width, height }: Size, maxLen: number): Size {
  const aspectRatio = width / height;
  if (width >= height) {
    width = maxLen;
    height = int(width / aspectRatio);
    if (height % 2 !== 0) height += 1;
  } else {
    height = maxLen;
    width = int(height * aspectRatio);
    if (width % 2 !== 0) width += 1;
  }
  return { width: Math.max(width, 1), height: Math.max(height, 1) };
}

/** `_resize_output_size_scale_below_upper_bound`: only shrinks, and only past maxLen. */
function scaleBelowUpperBound({ width, height }: Size, maxLen: number): Size {
  const aspectRatio = width / height;
  if (width >= height && width > maxLen) {
    width = maxLen;
    height = int(width / aspectRatio);
  } else if (height > width && height > maxLen) {
    height = maxLen;
    width = int(height * aspectRatio);
  }
  return { width: Math.max(width, 1), height: Math.max(height, 1) };
}

/** `resize_for_vision_encoder`: both sides up to multiples of M (the short side via the aspect ratio). */
function resizeForVisionEncoder({ width, height }: Size, m: number): Size {
  const aspectRatio = width / height;
  if (width >= height) {
    width = Math.ceil(width / m) * m;
    height = Math.ceil(Math.max(1, int(width / aspectRatio)) / m) * m;
  } else {
    height = Math.ceil(height / m) * m;
    width = Math.ceil(Math.max(1, int(height * aspectRatio)) / m) * m;
  }
  return { width, height };
}

export function smolVlmGeometry(cfg: SmolVlmConfig, original: Size, detail: Detail): SmolVlmGeometry {
  const m = cfg.tileSize;
  const scaled = cfg.doResize
    ? scaleBelowUpperBound(rescaleToMaxLen(original, cfg.sizeLongestEdge), MAX_IMAGE_SIZE)
    : { width: original.width, height: original.height };
  if (detail === 'high' && cfg.doImageSplitting) {
    const resized = resizeForVisionEncoder(scaled, m);
    if (resized.width > m || resized.height > m) {
      // Python's (H - M) // M + 1; H and W are multiples of M here, so this is H / M.
      const rows = Math.floor((resized.height - m) / m) + 1;
      const cols = Math.floor((resized.width - m) / m) + 1;
      return { scaled, resized, rows, cols };
    }
  }
  return { scaled, resized: { width: m, height: m }, rows: 0, cols: 0 };
}

export function planSmolVlm(cfg: SmolVlmConfig, size: Size, detail: Detail): TilePlan {
  checkSize(size);
  const original = { width: size.width, height: size.height }; // a DecodedImage is a Size too: drop its pixels
  const { resized, rows, cols } = smolVlmGeometry(cfg, original, detail);
  const m = cfg.tileSize;
  const seq = cfg.imageSeqLen;
  const global: Tile = { x: 0, y: 0, ...original, inputWidth: m, inputHeight: m, tokens: seq };
  const tiles: Tile[] = [];
  // Tile edges in original pixels, rounded outward: each rectangle contains the area its frame was sampled
  // from, neighbours share or overlap by one pixel, and no tile is empty even on a 1×1 image.
  const edge = (i: number, full: number, scaled: number, round: (v: number) => number) =>
    Math.min(full, Math.max(0, round((i * m * full) / scaled)));
  for (let r = 0; r < rows; r++) {
    const y = edge(r, original.height, resized.height, Math.floor);
    const height = edge(r + 1, original.height, resized.height, Math.ceil) - y;
    for (let c = 0; c < cols; c++) {
      const x = edge(c, original.width, resized.width, Math.floor);
      const width = edge(c + 1, original.width, resized.width, Math.ceil) - x;
      tiles.push({ x, y, width, height, inputWidth: m, inputHeight: m, tokens: seq });
    }
  }
  const frames = rows * cols + 1;
  return {
    family: FAMILY,
    detail,
    original,
    resized,
    grid: { rows, cols, unit: 'tiles' },
    tiles,
    global,
    imageTokens: frames * seq,
    promptTokens: promptTokenCount(rows, cols, seq),
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
