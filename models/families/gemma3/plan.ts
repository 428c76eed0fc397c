/**
 * Gemma 3 geometry. Every view is the image (or a crop of it) squeezed to one fixed square, 896 × 896, aspect
 * not kept, as Python's Gemma3ImageProcessor does. `low` is that single view. `high` adds Python's pan-and-scan
 * crops when the aspect ratio activates it: the whole image first (the plan's `global`), then the crops in
 * row-major order (the plan's `tiles`), each its own view. transformers.js does not implement pan-and-scan.
 * Pure arithmetic: no pixels are touched here.
 */
import type { Detail, Size, Tile, TilePlan } from '../../../app/tile-plan.ts';
import { TesseraError } from '../../errors.ts';
import type { Region } from '../region.ts';
import type { Gemma3Config, PanAndScan } from './config.ts';

export const FAMILY = 'gemma3';

/** Prompt tokens around each view's soft tokens: `<start_of_image>`, `<end_of_image>` and two "\n\n". */
export const MARKER_TOKENS_PER_VIEW = 4;
/**
 * "Here is the original image … and here are some crops to help you see better …": an estimate of its tokens
 * (one per word, as in Gemma's vocabulary), for the token count the UI shows; the prompt tokenizes the real text.
 */
export const PAN_AND_SCAN_TEXT_TOKENS = 16;

export interface CropGrid {
  rows: number;
  cols: number;
  /** The crops in original-image pixels, row-major; those at the far edges may be narrower. */
  crops: Region[];
}

/**
 * Python's `Gemma3ImageProcessor.pan_and_scan`: null where it returns no crops. A landscape (or square) image
 * is cut into columns only, a portrait one into rows only: about one crop per aspect-ratio unit (half rounding
 * up), at most one per `minCropSize` pixels, in [2, maxNumCrops], each ceil(side / n) long.
 */
export function panAndScanGrid({ width, height }: Size, settings: PanAndScan): CropGrid | null {
  const { minCropSize, maxNumCrops, minRatioToActivate } = settings;
  const count = (long: number, short: number) => {
    const n = Math.min(Math.floor(long / minCropSize), Math.floor(long / short + 0.5));
    return Math.min(maxNumCrops, Math.max(2, n));
  };
  let cols = 1;
  let rows = 1;
  if (width >= height) {
    if (width / height < minRatioToActivate) return null;
    cols = count(width, height);
  } else {
    if (height / width < minRatioToActivate) return null;
    rows = count(height, width);
  }
  const cropWidth = Math.ceil(width / cols);
  const cropHeight = Math.ceil(height / rows);
  if (Math.min(cropWidth, cropHeight) < minCropSize) return null;
  const crops: Region[] = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      // numpy slicing clips at the edge; a crop starting past it (only with minCropSize < 3) would be empty,
      // where Python's resize fails, so it is left out.
      const left = c * cropWidth;
      const top = r * cropHeight;
      const region = {
        left,
        top,
        width: Math.min(cropWidth, width - left),
        height: Math.min(cropHeight, height - top),
      };
      if (region.width > 0 && region.height > 0) crops.push(region);
    }
  }
  return { rows, cols, crops };
}

export function planGemma3(cfg: Gemma3Config, size: Size, detail: Detail): TilePlan {
  checkSize(size);
  const original = { width: size.width, height: size.height }; // a DecodedImage is a Size too: drop its pixels
  const view = (region: Region): Tile => ({
    x: region.left,
    y: region.top,
    width: region.width,
    height: region.height,
    inputWidth: cfg.inputSize.width,
    inputHeight: cfg.inputSize.height,
    tokens: cfg.tokensPerView,
  });
  const whole = view({ left: 0, top: 0, ...original });
  const grid = detail === 'high' ? panAndScanGrid(original, cfg.panAndScan) : null;
  const views = grid ? 1 + grid.crops.length : 1;
  const imageTokens = views * cfg.tokensPerView;
  return {
    family: FAMILY,
    detail,
    original,
    resized: { ...cfg.inputSize },
    grid: { rows: grid?.rows ?? 1, cols: grid?.cols ?? 1, unit: 'tiles' },
    tiles: grid ? grid.crops.map(view) : [whole],
    global: grid ? whole : null,
    imageTokens,
    promptTokens: imageTokens + views * MARKER_TOKENS_PER_VIEW + (grid ? PAN_AND_SCAN_TEXT_TOKENS : 0),
  };
}

/** The views in the order the encoder takes them and the prompt lists them: the whole image, then the crops. */
export function viewsOf(plan: TilePlan): Tile[] {
  return plan.global ? [plan.global, ...plan.tiles] : plan.tiles;
}

function checkSize({ width, height }: Size): void {
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) {
    throw new TesseraError(
      'BAD_REQUEST',
      `An image size must be whole positive pixels, got ${width} × ${height}.`,
    );
  }
}
