/**
 * Redaction: black boxes and brush strokes painted over an image before it is sent, kept as a list of
 * strokes in the original image's pixels (so the marks shown over a scaled preview and the pixels blacked
 * out at full size are the same shapes), then burnt into a new PNG. The original's pixels under a stroke
 * are gone from the result: it is drawn opaque black, not blended.
 */
import type { Size } from '../../app/tile-plan.ts';
import type { Region } from './crop.ts';
import { sourceRect } from './crop.ts';
import type { Point } from './region.ts';

export type Stroke =
  | { kind: 'box'; region: Region }
  /** A freehand line `size` pixels wide (original pixels), round at its ends and joins. */
  | { kind: 'brush'; size: number; points: Point[] };

export interface Redaction {
  strokes: Stroke[];
}

export const EMPTY_REDACTION: Redaction = { strokes: [] };

/** Brush widths offered, in pixels of the image as shown; each stroke keeps its width in original pixels. */
export const BRUSH_SIZES = { min: 4, max: 80, initial: 24 } as const;

export function addStroke(redaction: Redaction, stroke: Stroke): Redaction {
  return { strokes: [...redaction.strokes, stroke] };
}

/** Adds a point to the brush stroke being drawn (the last one); a repeat of its last point is dropped. */
export function extendStroke(redaction: Redaction, point: Point): Redaction {
  const last = redaction.strokes[redaction.strokes.length - 1];
  if (last?.kind !== 'brush') return redaction;
  const end = last.points[last.points.length - 1];
  if (end && end.x === point.x && end.y === point.y) return redaction;
  const extended: Stroke = { ...last, points: [...last.points, point] };
  return { strokes: [...redaction.strokes.slice(0, -1), extended] };
}

/** Takes back the last stroke (a box, or a whole brush line). */
export function undoStroke(redaction: Redaction): Redaction {
  return { strokes: redaction.strokes.slice(0, -1) };
}

/** A brush's width in original pixels for a width chosen on screen (at least one pixel). */
export function brushSize(shownSize: number, shown: Size, original: Size): number {
  if (shown.width <= 0) return Math.max(1, Math.round(shownSize));
  return Math.max(1, Math.round((shownSize * original.width) / shown.width));
}

/** A brush stroke as an SVG path ("M x y L x y …"); a single point is a dot, drawn by the round caps. */
export function brushPath(points: readonly Point[]): string {
  const [first, ...rest] = points;
  if (!first) return '';
  const line = (rest.length > 0 ? rest : [first]).map((p) => `L ${p.x} ${p.y}`).join(' ');
  return `M ${first.x} ${first.y} ${line}`;
}

/** Paints the strokes in opaque black on a context whose units are original pixels times `scale`. */
export function paintStrokes(context: CanvasRenderingContext2D, strokes: readonly Stroke[], scale = 1): void {
  context.save();
  context.globalCompositeOperation = 'source-over';
  context.globalAlpha = 1;
  context.fillStyle = '#000';
  context.strokeStyle = '#000';
  context.lineCap = 'round';
  context.lineJoin = 'round';
  for (const stroke of strokes) {
    if (stroke.kind === 'box') {
      const { x, y, width, height } = stroke.region;
      context.fillRect(x * scale, y * scale, width * scale, height * scale);
      continue;
    }
    const [first, ...rest] = stroke.points;
    if (!first) continue;
    context.lineWidth = stroke.size * scale;
    context.beginPath();
    context.moveTo(first.x * scale, first.y * scale);
    for (const p of rest.length > 0 ? rest : [first]) context.lineTo(p.x * scale, p.y * scale);
    context.stroke();
    if (rest.length === 0) {
      // A zero-length line draws nothing on a canvas: the dot is a filled circle.
      context.beginPath();
      context.arc(first.x * scale, first.y * scale, (stroke.size * scale) / 2, 0, Math.PI * 2);
      context.fill();
    }
  }
  context.restore();
}

/** "photo (redacted).png": the redacted image's name, always a PNG. */
export function redactedName(sourceName: string): string {
  const base = sourceName.replace(/\.[A-Za-z0-9]{1,8}$/, '').replace(/ \(redacted\)$/, '') || 'image';
  return `${base} (redacted).png`;
}

/** The decoded size of the image at `url` (a blob: URL of a file not attached yet). */
export async function decodedSize(url: string): Promise<Size> {
  const image = new Image();
  image.src = url;
  await image.decode();
  return { width: image.naturalWidth, height: image.naturalHeight };
}

/**
 * The image at `url` with the strokes burnt in, as a PNG of the stored size. Only the redacted pixels are
 * encoded: the original's bytes are read here and never written anywhere.
 */
export async function redactToFile(url: string, stored: Size, strokes: readonly Stroke[], name: string) {
  const image = new Image();
  image.src = url;
  await image.decode();
  const from = sourceRect({ x: 0, y: 0, ...stored }, stored, {
    width: image.naturalWidth,
    height: image.naturalHeight,
  });
  const canvas = document.createElement('canvas');
  canvas.width = stored.width;
  canvas.height = stored.height;
  const context = canvas.getContext('2d');
  if (!context) throw new Error('No 2D canvas to redact with.');
  context.drawImage(image, from.x, from.y, from.width, from.height, 0, 0, stored.width, stored.height);
  paintStrokes(context, strokes);
  const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/png'));
  if (!blob) throw new Error('The redacted image could not be encoded (it may be too large for a canvas).');
  return new File([blob], name, { type: 'image/png' });
}
