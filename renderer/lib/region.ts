/**
 * The geometry of a selected region: rectangles in the original image's pixels (what crops, tile plans and
 * drawn boxes use), mapped from and to the image as shown, kept inside the image, moved and resized with
 * the keyboard. Pure, so the selector and the redaction dialog share it and it is unit-tested.
 */
import type { Size } from '../../app/tile-plan.ts';
import type { Region } from './crop.ts';

export interface Point {
  x: number;
  y: number;
}

/** A region smaller than this on either side is refused: too small to ask about or to see. */
export const MIN_REGION = 8;

const clamp = (value: number, low: number, high: number) => Math.min(high, Math.max(low, value));

/** A point on the image as shown (relative to its top-left corner) in original pixels, inside the image. */
export function toOriginal(point: Point, shown: Size, original: Size): Point {
  if (shown.width <= 0 || shown.height <= 0) return { x: 0, y: 0 };
  return {
    x: clamp((point.x / shown.width) * original.width, 0, original.width),
    y: clamp((point.y / shown.height) * original.height, 0, original.height),
  };
}

/** A region in original pixels as a rectangle on the image as shown. */
export function toShown(region: Region, shown: Size, original: Size): Region {
  const sx = original.width > 0 ? shown.width / original.width : 0;
  const sy = original.height > 0 ? shown.height / original.height : 0;
  return { x: region.x * sx, y: region.y * sy, width: region.width * sx, height: region.height * sy };
}

/** The region a drag spans between two points (original pixels, any direction), in whole pixels. */
export function regionBetween(a: Point, b: Point, original: Size): Region {
  const left = clamp(Math.floor(Math.min(a.x, b.x)), 0, original.width);
  const top = clamp(Math.floor(Math.min(a.y, b.y)), 0, original.height);
  const right = clamp(Math.ceil(Math.max(a.x, b.x)), 0, original.width);
  const bottom = clamp(Math.ceil(Math.max(a.y, b.y)), 0, original.height);
  return { x: left, y: top, width: right - left, height: bottom - top };
}

/** The region in whole pixels, inside the image (moved in first, then cut to fit). */
export function clampRegion(region: Region, original: Size): Region {
  const width = clamp(Math.round(region.width), 0, original.width);
  const height = clamp(Math.round(region.height), 0, original.height);
  return {
    x: clamp(Math.round(region.x), 0, original.width - width),
    y: clamp(Math.round(region.y), 0, original.height - height),
    width,
    height,
  };
}

/** What is wrong with a region as something to cut out, or null when it can be cut. */
export function regionProblem(region: Region, original: Size): string | null {
  if (original.width < MIN_REGION || original.height < MIN_REGION)
    return `The image is smaller than ${MIN_REGION}×${MIN_REGION} pixels: there is no region to cut.`;
  if (region.width < MIN_REGION || region.height < MIN_REGION)
    return `Select at least ${MIN_REGION}×${MIN_REGION} pixels (this is ${region.width}×${region.height}).`;
  return null;
}

/** The selection offered before any drag: the middle half of the image, so the keys have something to move. */
export function initialRegion(original: Size): Region {
  const width = Math.max(Math.min(MIN_REGION, original.width), Math.round(original.width / 2));
  const height = Math.max(Math.min(MIN_REGION, original.height), Math.round(original.height / 2));
  return clampRegion(
    { x: (original.width - width) / 2, y: (original.height - height) / 2, width, height },
    original,
  );
}

/** One key press moves or resizes by 1 % of the image's longer side (at least one pixel). */
export function keyStep(original: Size): number {
  return Math.max(1, Math.round(Math.max(original.width, original.height) / 100));
}

const ARROWS: Record<string, Point> = {
  ArrowLeft: { x: -1, y: 0 },
  ArrowRight: { x: 1, y: 0 },
  ArrowUp: { x: 0, y: -1 },
  ArrowDown: { x: 0, y: 1 },
};

/**
 * The region after an arrow key: moved by a step, or with Shift resized by a step from its bottom-right
 * corner (Right and Down grow it, Left and Up shrink it, never below MIN_REGION). null: not an arrow key.
 */
export function regionAfterKey(region: Region, key: string, shift: boolean, original: Size): Region | null {
  const arrow = ARROWS[key];
  if (!arrow) return null;
  const step = keyStep(original);
  if (!shift)
    return clampRegion({ ...region, x: region.x + arrow.x * step, y: region.y + arrow.y * step }, original);
  const least = (side: number) => Math.min(MIN_REGION, side);
  const width = clamp(region.width + arrow.x * step, least(original.width), original.width - region.x);
  const height = clamp(region.height + arrow.y * step, least(original.height), original.height - region.y);
  return clampRegion({ ...region, width, height }, original);
}

/** "320×220 px at 80, 80": a region as people read it, in original pixels. */
export function describeRegion(region: Region): string {
  return `${region.width}×${region.height} px at ${region.x}, ${region.y}`;
}
