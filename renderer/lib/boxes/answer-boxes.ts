/**
 * The boxes of one answer, placed on the image of the question it answers. Boxes go on the question's first
 * image: the notations name no image, and grounding questions ask about one. The family that wrote the
 * answer picks the notation (`GenerationStats.model`); answers that do not name their model draw nothing.
 */
import type { Detail, Size } from '../../../app/tile-plan.ts';
import type { ImageRef, Message } from '../../../app/ipc/contract.ts';
import { messageText } from '../../state/branch.ts';
import { type ImageBox, mapBoxes, needsResized } from './map.ts';
import { type RawBox, parseBoxes } from './parse.ts';

export interface AnswerBoxes {
  /** The image the boxes are on: the question's first. */
  image: ImageRef;
  boxes: ImageBox[];
  /** Boxes written but not drawn: outside the image, or in pixels of a plan that is not at hand. */
  unplaced: number;
}

/** What the answer's boxes need before they can be placed: nothing, or the answering model's resized size. */
export interface BoxesSource {
  family: string;
  image: ImageRef;
  /** The detail the image was sent at (Low where the thread sent earlier images at Low). */
  detail: Detail;
  raw: RawBox[];
  /** The resized size the engine recorded for the image with the answer (`GenerationStats.images`). */
  resized: Size | null;
  /** The boxes count pixels of the resized input and the answer did not record it: ask for the plan. */
  needsResized: boolean;
}

/** The boxes an answer wrote and the image they belong to; null when there are none to draw. */
export function boxesSource(answer: Message | undefined, question: Message | undefined): BoxesSource | null {
  if (!answer || !question || answer.role !== 'assistant' || answer.status === 'streaming') return null;
  const family = answer.stats?.model?.family;
  if (!family) return null;
  const image = question.parts.find((p) => p.type === 'image')?.image;
  if (!image) return null;
  const raw = parseBoxes(messageText(answer), family);
  if (raw.length === 0) return null;
  const lowered = answer.stats?.lowered?.includes(question.id) ?? false;
  const resized = answer.stats?.images?.find((i) => i.sha256 === image.sha256)?.plan.resized ?? null;
  return {
    family,
    image,
    detail: lowered ? 'low' : image.detail,
    raw,
    resized,
    needsResized: !resized && needsResized(raw),
  };
}

/**
 * Places the boxes. `planned` is the resized size from the active model's plan where the answer did not
 * record its own; null when that plan is another family's (Qwen2.5-VL's pixel boxes are then left unplaced).
 */
export function placeBoxes(source: BoxesSource, planned: Size | null): AnswerBoxes {
  const { image, raw } = source;
  const boxes = mapBoxes(raw, { width: image.width, height: image.height }, source.resized ?? planned);
  return { image, boxes, unplaced: raw.length - boxes.length };
}

/** "3 boxes on image 1", "1 box on image 2 (1 more could not be placed)". */
export function describeBoxes(found: AnswerBoxes, imageNumber: number): string {
  const count = found.boxes.length;
  const drawn = `${count} ${count === 1 ? 'box' : 'boxes'} on image ${imageNumber}`;
  return found.unplaced > 0 ? `${drawn} (${found.unplaced} more could not be placed)` : drawn;
}
