/**
 * Boxes a vision language model wrote into its answer, in the coordinates the model used. Each family that
 * grounds objects has its own notation:
 *
 * - Qwen2-VL: `<|object_ref_start|>label<|object_ref_end|><|box_start|>(x1,y1),(x2,y2)<|box_end|>`, 0–1000 of
 *   the image. Those markers are special tokens, and the engine decodes with `skip_special_tokens`
 *   (models/text/tokenizer.ts), so what usually arrives is `label(x1,y1),(x2,y2)`: both are read.
 * - Qwen2.5-VL: JSON objects `{"bbox_2d": [x1, y1, x2, y2], "label": "…"}`, mostly in a ```json fence, in
 *   pixels of the resized image the encoder saw (the tile plan's `resized`). An answer cut off by the token
 *   limit still yields the objects it completed.
 * - Gemma 3 / PaliGemma: `<locY1><locX1><locY2><locX2> label`, four-digit bins of 0–1023, y before x; several
 *   boxes are separated by ` ; `.
 *
 * Qwen2-VL and Qwen2.5-VL share a family id (`qwen2_vl`), so both notations are read for it. Anything that
 * does not parse is skipped: a malformed box is never an error.
 */

/** How a box's numbers relate to the image. */
export type BoxSpace =
  /** 0–1000 of the original image's width and height (Qwen2-VL). */
  | 'per-mille'
  /** Pixels of the resized image the encoder received (Qwen2.5-VL). */
  | 'resized'
  /** Bins 0–1023 of the image, 1024 per side (Gemma 3, PaliGemma). */
  | 'loc-bins';

export interface RawBox {
  label: string;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  space: BoxSpace;
}

/** Families whose answers may hold boxes, and which notations they write. */
const NOTATIONS: Readonly<Record<string, readonly ((text: string) => RawBox[])[]>> = {
  qwen2_vl: [parseQwenTuples, parseQwenJson],
  gemma3: [parseLocTokens],
  paligemma: [parseLocTokens],
};

/** The boxes in an answer written by a model of `family`; none for a family that does not ground objects. */
export function parseBoxes(text: string, family: string): RawBox[] {
  const parsers = NOTATIONS[family.replace(/-/g, '_')] ?? [];
  return parsers.flatMap((parse) => parse(text));
}

/** Whether answers of this family can hold boxes at all. */
export function familyDrawsBoxes(family: string): boolean {
  return family.replace(/-/g, '_') in NOTATIONS;
}

const NUMBER = String.raw`\s*(-?\d+(?:\.\d+)?)\s*`;
const TUPLE = new RegExp(
  String.raw`(?:<\|box_start\|>)?\(${NUMBER},${NUMBER}\)\s*,\s*\(${NUMBER},${NUMBER}\)(?:<\|box_end\|>)?`,
  'g',
);
const OBJECT_REF = /<\|object_ref_start\|>([^<]*)<\|object_ref_end\|>\s*$/;
/** Where a label written before its box (markers stripped) starts: after the last of these. */
const LABEL_BREAK = /[\n.;:!?,()>|]/;

/** Qwen2-VL's `(x1,y1),(x2,y2)` boxes, with or without their special-token markers. */
export function parseQwenTuples(text: string): RawBox[] {
  const boxes: RawBox[] = [];
  let lastEnd = 0;
  for (const match of text.matchAll(TUPLE)) {
    const before = text.slice(lastEnd, match.index);
    lastEnd = match.index + match[0].length;
    const [x1, y1, x2, y2] = match.slice(1, 5).map(Number);
    if (x1 === undefined || y1 === undefined || x2 === undefined || y2 === undefined) continue;
    // Several boxes after one object_ref ("cars" with two boxes) share its label.
    const label = labelBefore(before) || (before.trim() === '' ? (boxes.at(-1)?.label ?? '') : '');
    boxes.push({ label, x1, y1, x2, y2, space: 'per-mille' });
  }
  return boxes;
}

/** The object a box belongs to: its object_ref, or the words written just before it. */
function labelBefore(before: string): string {
  const ref = OBJECT_REF.exec(before);
  if (ref?.[1] !== undefined) return cleanLabel(ref[1]);
  const plain = before.replace(/<\|[a-z_]+\|>/g, '');
  const parts = plain.split(LABEL_BREAK);
  return cleanLabel(parts[parts.length - 1] ?? '');
}

function cleanLabel(label: string): string {
  const words = label
    .replace(/[*_`"'[\]]/g, '')
    .replace(/^\s*(?:[-•]|\d+\.)\s+/, '')
    .trim()
    .replace(/^(?:and|or)\s+/i, '')
    .split(/\s+/)
    .filter(Boolean);
  // A sentence before the box ("The red car is parked at") keeps its last words.
  return words.slice(-6).join(' ');
}

/** A JSON object holding "bbox_2d" with no nested object: what Qwen2.5-VL writes per box. */
const BBOX_OBJECT = /\{[^{}]*"bbox_2d"[^{}]*\}/g;

/** Qwen2.5-VL's `bbox_2d` objects, fenced or not, whole list or cut off. */
export function parseQwenJson(text: string): RawBox[] {
  const boxes: RawBox[] = [];
  for (const [source] of text.matchAll(BBOX_OBJECT)) {
    let value: unknown;
    try {
      value = JSON.parse(source);
    } catch {
      continue;
    }
    const box = bboxOf(value);
    if (box) boxes.push(box);
  }
  return boxes;
}

function bboxOf(value: unknown): RawBox | null {
  if (typeof value !== 'object' || value === null) return null;
  const { bbox_2d: bbox, label } = value as { bbox_2d?: unknown; label?: unknown };
  if (!Array.isArray(bbox) || bbox.length !== 4) return null;
  if (!bbox.every((n): n is number => typeof n === 'number' && Number.isFinite(n))) return null;
  const [x1, y1, x2, y2] = bbox as [number, number, number, number];
  const name = typeof label === 'string' ? cleanLabel(label) : '';
  return { label: name, x1, y1, x2, y2, space: 'resized' };
}

/** The vocabulary has <loc0000> … <loc1023>. */
const LAST_BIN = 1023;
const LOC_BOX = /<loc(\d{4})><loc(\d{4})><loc(\d{4})><loc(\d{4})>([^<;\n]*)/g;

/** Gemma's and PaliGemma's `<locYYYY><locXXXX><locYYYY><locXXXX> label` boxes. */
export function parseLocTokens(text: string): RawBox[] {
  const boxes: RawBox[] = [];
  for (const match of text.matchAll(LOC_BOX)) {
    const [y1, x1, y2, x2] = match.slice(1, 5).map(Number);
    if (x1 === undefined || y1 === undefined || x2 === undefined || y2 === undefined) continue;
    if (Math.max(x1, y1, x2, y2) > LAST_BIN) continue;
    boxes.push({ label: cleanLabel(match[5] ?? ''), x1, y1, x2, y2, space: 'loc-bins' });
  }
  return boxes;
}
