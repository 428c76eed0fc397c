/**
 * AnyRes arithmetic as in Python's LLaVA-NeXT / LLaVA-OneVision code: choosing the grid resolution, the
 * aspect-keeping resize into it, unpadding the crop feature grid back to the image's aspect ratio, and the
 * `anyres_max_N` shrink. Pure functions of sizes; no pixels or features are touched here.
 */
import type { Size } from '../../../app/tile-plan.ts';

/**
 * `select_best_resolution`: the pinpoint keeping the most of the image's pixels after an aspect-keeping fit
 * (never counting more than the original has), ties to the one wasting the least area; the first wins a full tie.
 */
export function selectBestResolution(original: Size, pinpoints: readonly Size[]): Size {
  let best = pinpoints[0] as Size;
  let bestEffective = 0;
  let leastWaste = Infinity;
  for (const candidate of pinpoints) {
    const scale = Math.min(candidate.width / original.width, candidate.height / original.height);
    const effective = Math.min(
      Math.trunc(original.width * scale) * Math.trunc(original.height * scale),
      original.width * original.height,
    );
    const waste = candidate.width * candidate.height - effective;
    if (effective > bestEffective || (effective === bestEffective && waste < leastWaste)) {
      best = candidate;
      bestEffective = effective;
      leastWaste = waste;
    }
  }
  return { width: best.width, height: best.height };
}

/** `get_patch_output_size`: the limiting side becomes the target's, the other ceil(orig · scale), capped. */
export function patchOutputSize(original: Size, target: Size): Size {
  const scaleW = target.width / original.width;
  const scaleH = target.height / original.height;
  if (scaleW < scaleH) {
    return { width: target.width, height: Math.min(Math.ceil(original.height * scaleW), target.height) };
  }
  return { width: Math.min(Math.ceil(original.width * scaleH), target.width), height: target.height };
}

/** Where `_pad_for_patching` pastes the resized image in the target canvas: divmod(target − size, 2)[0]. */
export function pasteOffset(resized: Size, target: Size): { x: number; y: number } {
  return {
    x: Math.floor((target.width - resized.width) / 2),
    y: Math.floor((target.height - resized.height) / 2),
  };
}

/**
 * Crops `divide_to_patches` cuts from a padded image: range(0, side, patch) on each axis, so a partial edge crop
 * counts (it is resized to a full view later). With OneVision's pinpoints every crop is whole.
 */
export function cropCount(padded: Size, patch: number): number {
  return Math.ceil(padded.height / patch) * Math.ceil(padded.width / patch);
}

/** Python's round(x, 7) before int(): removes float noise such as 12.999999999 → 13. */
const round7 = (x: number) => Math.round(x * 1e7) / 1e7;

/**
 * `unpad_image` on a feature grid of `grid` cells covering the padded canvas: the rows (or columns) that only
 * saw padding are cut, symmetric, so the grid has the original image's aspect ratio.
 */
export function unpaddedGrid(original: Size, grid: Size): Size & { top: number; left: number } {
  if (original.width / original.height > grid.width / grid.height) {
    const newHeight = Math.trunc(round7(original.height * (grid.width / original.width)));
    const padding = Math.floor((grid.height - newHeight) / 2);
    return { width: grid.width, height: grid.height - 2 * padding, top: padding, left: 0 };
  }
  const newWidth = Math.trunc(round7(original.width * (grid.height / original.height)));
  const padding = Math.floor((grid.width - newWidth) / 2);
  return { width: grid.width - 2 * padding, height: grid.height, top: 0, left: padding };
}

/**
 * `anyres_max_N`: when the unpadded grid holds more than N views' cells (by more than 10 %), it is shrunk by
 * ratio = √(cells / (N · side²)) to int(h // ratio) × int(w // ratio) (bilinear, in the model). Else unchanged.
 */
export function shrunkGrid(grid: Size, featureSide: number, maxViews: number): Size {
  const ratio = Math.sqrt((grid.height * grid.width) / (maxViews * featureSide * featureSide));
  if (ratio <= 1.1) return { width: grid.width, height: grid.height };
  return { width: Math.floor(grid.width / ratio), height: Math.floor(grid.height / ratio) };
}

export interface AnyresLayout {
  /** The chosen pinpoint (the padded canvas). */
  best: Size;
  /** The image resized into it, aspect kept, and where it is pasted. */
  resized: Size;
  paste: { x: number; y: number };
  /** Crops per column and row (best / view side). */
  rows: number;
  cols: number;
  /** The crop feature grid after unpadding (with its offset in the full grid) and after the anyres_max shrink. */
  unpadded: Size & { top: number; left: number };
  final: Size;
  /**
   * `_get_number_of_features`: base view + final grid cells + one newline per final grid row. The model adds the
   * same newline rows (`image_newline`), so this is also the row count arrangeFeatures returns.
   */
  tokens: number;
}

export function anyresLayout(
  original: Size,
  cfg: { viewSide: number; pinpoints: readonly Size[]; featureSide: number; maxViews: number },
): AnyresLayout {
  const best = selectBestResolution(original, cfg.pinpoints);
  const resized = patchOutputSize(original, best);
  const rows = best.height / cfg.viewSide;
  const cols = best.width / cfg.viewSide;
  const grid = { width: cols * cfg.featureSide, height: rows * cfg.featureSide };
  const unpadded = unpaddedGrid(original, grid);
  const final = shrunkGrid(unpadded, cfg.featureSide, cfg.maxViews);
  const tokens = cfg.featureSide ** 2 + final.width * final.height + final.height;
  return { best, resized, paste: pasteOffset(resized, best), rows, cols, unpadded, final, tokens };
}
