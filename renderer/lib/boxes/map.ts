/**
 * Boxes in the model's coordinates → rectangles in the original image's pixels, where the message draws
 * them and the crop cuts them. The tile plan says what the model saw: Qwen2.5-VL's pixels are those of the
 * plan's `resized` image; per-mille and loc bins are fractions of the whole image (Gemma squeezes the image
 * to its square without keeping the aspect, so a bin is a fraction of each side).
 */
import type { Size } from '../../../app/tile-plan.ts';
import type { BoxSpace, RawBox } from './parse.ts';

/** A box in original-image pixels. */
export interface ImageBox {
  label: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The extent of each space: the largest coordinate a box may have. */
function extent(space: BoxSpace, resized: Size | null): Size | null {
  switch (space) {
    case 'per-mille':
      return { width: 1000, height: 1000 };
    case 'loc-bins':
      return { width: 1024, height: 1024 };
    case 'resized':
      return resized;
  }
}

/**
 * Maps each box to the original image; boxes outside their space, empty ones, and 'resized' boxes without
 * the resized size (`resized` null: the plan is not the answering model's) are left out.
 */
export function mapBoxes(boxes: readonly RawBox[], original: Size, resized: Size | null): ImageBox[] {
  const mapped: ImageBox[] = [];
  for (const box of boxes) {
    const space = extent(box.space, resized);
    if (!space || space.width <= 0 || space.height <= 0) continue;
    const xs = [box.x1, box.x2].sort((a, b) => a - b) as [number, number];
    const ys = [box.y1, box.y2].sort((a, b) => a - b) as [number, number];
    if (xs[0] < 0 || ys[0] < 0 || xs[1] > space.width || ys[1] > space.height) continue;
    if (xs[1] === xs[0] || ys[1] === ys[0]) continue;
    const sx = original.width / space.width;
    const sy = original.height / space.height;
    mapped.push({
      label: box.label,
      x: xs[0] * sx,
      y: ys[0] * sy,
      width: (xs[1] - xs[0]) * sx,
      height: (ys[1] - ys[0]) * sy,
    });
  }
  return mapped;
}

/** Whether mapping needs the answering model's resized size (Qwen2.5-VL's pixel boxes). */
export function needsResized(boxes: readonly RawBox[]): boolean {
  return boxes.some((b) => b.space === 'resized');
}

/** The whole pixels a crop of `box` takes from an image of `size`: rounded outwards, within the image. */
export function cropRect(
  box: Pick<ImageBox, 'x' | 'y' | 'width' | 'height'>,
  size: Size,
): { x: number; y: number; width: number; height: number } {
  const x = Math.max(0, Math.floor(box.x));
  const y = Math.max(0, Math.floor(box.y));
  const right = Math.min(size.width, Math.ceil(box.x + box.width));
  const bottom = Math.min(size.height, Math.ceil(box.y + box.height));
  return { x, y, width: Math.max(1, right - x), height: Math.max(1, bottom - y) };
}

/** Label colours: distinct hues that read on light and dark images alike, one per label. */
const COLOURS = ['#e6194b', '#3cb44b', '#ffb000', '#4363d8', '#f58231', '#911eb4', '#00a3a3', '#f032e6'];

/** A colour per distinct label, in order of first appearance, so the labels of one answer differ. */
export function labelColours(boxes: readonly Pick<ImageBox, 'label'>[]): Map<string, string> {
  const colours = new Map<string, string>();
  for (const { label } of boxes) {
    const key = label.toLowerCase();
    if (!colours.has(key)) colours.set(key, COLOURS[colours.size % COLOURS.length] ?? '#e6194b');
  }
  return colours;
}
