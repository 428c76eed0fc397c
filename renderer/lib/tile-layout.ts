/**
 * Geometry of the tile view. Plans are in original-image pixels; the view shows the image at some other
 * size, so every rectangle is scaled by displayed/original on each axis. Pure, so it is tested alone.
 */
import type { Size, Tile, TilePlan } from '../../app/tile-plan.ts';

export interface Rect {
  left: number;
  top: number;
  width: number;
  height: number;
}

export interface TileBox {
  /** Position in plan.tiles. */
  index: number;
  /** 0-based grid position, derived from the tiles' coordinates (not from list order). */
  row: number;
  col: number;
  rect: Rect;
  tile: Tile;
}

export interface PlanLayout {
  tiles: TileBox[];
  global: { rect: Rect; tile: Tile } | null;
  scaleX: number;
  scaleY: number;
}

/** The largest size with `size`'s aspect ratio inside `box`; never enlarges unless `upscale`. */
export function fitWithin(size: Size, box: Size, upscale = false): Size {
  if (size.width <= 0 || size.height <= 0) return { width: 0, height: 0 };
  let scale = Math.min(box.width / size.width, box.height / size.height);
  if (!upscale) scale = Math.min(scale, 1);
  return { width: Math.round(size.width * scale), height: Math.round(size.height * scale) };
}

/** The narrowest an image is drawn in the dialog's Fit zoom (when the dialog is that wide). */
export const READABLE_WIDTH = 400;

/**
 * The dialog's Fit zoom: the whole image inside `box` (enlarged if smaller), except that a tall image is
 * drawn at least READABLE_WIDTH wide (or the box's width, if narrower) and scrolls, so its tiles stay
 * legible instead of shrinking to a strip.
 */
export function fitReadable(size: Size, box: Size): Size {
  if (size.width <= 0 || size.height <= 0) return { width: 0, height: 0 };
  const fit = Math.min(box.width / size.width, box.height / size.height);
  const readable = Math.min(box.width, READABLE_WIDTH) / size.width;
  const scale = Math.min(box.width / size.width, Math.max(fit, readable));
  return { width: Math.round(size.width * scale), height: Math.round(size.height * scale) };
}

/**
 * A plan that enlarges a small image (its resized size is over 1.5× the original on the longer axis and
 * larger on both) and so costs more tokens than the other plan given (Low detail's).
 */
export function enlargedCost(plan: TilePlan, other: TilePlan | undefined): boolean {
  const { original, resized } = plan;
  if (!other || original.width <= 0 || original.height <= 0) return false;
  const enlarged =
    resized.width > original.width &&
    resized.height > original.height &&
    Math.max(resized.width / original.width, resized.height / original.height) >= 1.5;
  return enlarged && plan.promptTokens > other.promptTokens;
}

/** A rectangle in original pixels → displayed pixels, clipped to the displayed image. */
export function scaleRect(
  rect: Pick<Tile, 'x' | 'y' | 'width' | 'height'>,
  original: Size,
  displayed: Size,
): Rect {
  const sx = original.width > 0 ? displayed.width / original.width : 0;
  const sy = original.height > 0 ? displayed.height / original.height : 0;
  const left = clamp(rect.x * sx, 0, displayed.width);
  const top = clamp(rect.y * sy, 0, displayed.height);
  const right = clamp((rect.x + rect.width) * sx, 0, displayed.width);
  const bottom = clamp((rect.y + rect.height) * sy, 0, displayed.height);
  return { left, top, width: right - left, height: bottom - top };
}

export function layoutPlan(plan: TilePlan, displayed: Size): PlanLayout {
  const rows = ranks(plan.tiles.map((t) => t.y));
  const cols = ranks(plan.tiles.map((t) => t.x));
  return {
    tiles: plan.tiles.map((tile, index) => ({
      index,
      row: rows.get(tile.y) ?? 0,
      col: cols.get(tile.x) ?? 0,
      rect: scaleRect(tile, plan.original, displayed),
      tile,
    })),
    global: plan.global
      ? { rect: scaleRect(plan.global, plan.original, displayed), tile: plan.global }
      : null,
    scaleX: plan.original.width > 0 ? displayed.width / plan.original.width : 0,
    scaleY: plan.original.height > 0 ? displayed.height / plan.original.height : 0,
  };
}

/**
 * The grid inside a single view, where the plan's grid counts patches rather than tiles: Qwen2-VL sends the
 * whole image as one view and its grid counts the 2×2-merged patches, one token each. Null for tiled plans.
 */
export function patchGrid(plan: TilePlan): { rows: number; cols: number } | null {
  const { rows, cols, unit } = plan.grid;
  return unit === 'patches' && plan.tiles.length === 1 ? { rows, cols } : null;
}

/** "2 × 3 tiles + global", "global view only", "1 tile of 23 × 41 patches", … */
export function describePlan(plan: TilePlan): string {
  const rows = new Set(plan.tiles.map((t) => t.y)).size;
  const cols = new Set(plan.tiles.map((t) => t.x)).size;
  const patches = patchGrid(plan);
  const single = patches ? `1 tile of ${patches.rows} × ${patches.cols} patches` : '1 tile';
  const tiles = plan.tiles.length === 0 ? '' : plan.tiles.length === 1 ? single : `${rows} × ${cols} tiles`;
  if (!tiles) return plan.global ? 'global view only' : 'no tiles';
  return plan.global ? `${tiles} + global` : tiles;
}

/** How a tile's printed marks are set: font size, line height, and the inset from the tile's edge. */
interface MarkStyle {
  fontPx: number;
  lineHeight: number;
  /** The mark's offset inside the tile (3 px) plus the tile's border at its widest (2 px, hovered). */
  inset: number;
}
const SMALL_MARKS: MarkStyle = { fontPx: 10, lineHeight: 15, inset: 5 };
const LARGE_MARKS: MarkStyle = { fontPx: 12, lineHeight: 18, inset: 5 };
/** A mark's horizontal padding (4 px each side, tile-view.css). */
const MARK_PADDING = 8;

const NARROW = new Set([..." ·,.:;|!'ijlrtf()"]);
const WIDE = new Set([...'mwMW']);

/**
 * The width of `text` set in the view's bold UI font at `fontPx`, padding included, erring wide: per
 * character about DejaVu Sans Bold's advance (the widest of the usual fallbacks for system-ui), so a mark
 * judged to fit does in any of them. An estimate rather than a measurement, so it is pure (and the same in
 * jsdom); the e2e test checks real boxes.
 */
export function markWidth(text: string, fontPx: number): number {
  let em = 0;
  for (const ch of text) em += NARROW.has(ch) ? 0.5 : WIDE.has(ch) ? 1.1 : 0.78;
  return Math.ceil(em * fontPx) + MARK_PADDING;
}

/**
 * Which marks a tile of this size shows, each only where it fits whole: its row·column label (top left),
 * and under it its token count (bottom left, only with the label and room for both). What is not printed
 * is in the caption shown on hover and focus.
 */
export function tileMarks(
  rect: Pick<Rect, 'width' | 'height'>,
  texts: { label: string; tokens: string },
  large: boolean,
): { label: boolean; tokens: boolean } {
  const style = large ? LARGE_MARKS : SMALL_MARKS;
  const room = rect.width - 2 * style.inset;
  const fits = (text: string, lines: number) =>
    markWidth(text, style.fontPx) <= room &&
    lines * style.lineHeight + (lines + 1) * style.inset <= rect.height;
  const label = fits(texts.label, 1);
  return { label, tokens: label && fits(texts.tokens, 2) };
}

/** Room kept under the small preview's image for the global view's label (line and gap). */
export const LEGEND_ROOM = 24;

export type CaptionSide = 'above' | 'below' | 'over';

/**
 * Where a hover/focus caption of `caption`'s size goes (viewport coordinates) so it is whole on screen:
 * above `anchor` where there is room, else below it, else clamped inside the viewport (over the anchor);
 * its left edge at the anchor's, moved in so it does not cross either side.
 */
export function placeCaption(
  anchor: Rect,
  caption: Size,
  viewport: Size,
  margin = 8,
  gap = 6,
): { left: number; top: number; side: CaptionSide } {
  const left = clamp(anchor.left, margin, Math.max(margin, viewport.width - margin - caption.width));
  const inside = (top: number) => top >= margin && top + caption.height <= viewport.height - margin;
  const above = anchor.top - gap - caption.height;
  if (inside(above)) return { left, top: above, side: 'above' };
  const below = anchor.top + anchor.height + gap;
  if (inside(below)) return { left, top: below, side: 'below' };
  const top = clamp(above, margin, Math.max(margin, viewport.height - margin - caption.height));
  return { left, top, side: 'over' };
}

function ranks(values: readonly number[]): Map<number, number> {
  const sorted = [...new Set(values)].sort((a, b) => a - b);
  return new Map(sorted.map((value, rank) => [value, rank]));
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
