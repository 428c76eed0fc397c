/**
 * From chat messages to the token sequence the decoder sees: render the chat template, expand each image
 * placeholder with that image's tile plan, tokenize, and record where each image's feature rows go.
 */
import type { ChatMessage } from '../../app/chat.ts';
import type { TilePlan } from '../../app/tile-plan.ts';
import { TesseraError } from '../errors.ts';
import type { FamilyModel } from '../families/family.ts';
import type { TemplateMessage, TextModel } from '../text/tokenizer.ts';

export interface PromptImage {
  /** Identifies the image's features: content hash plus plan, so the same pixels planned alike match. */
  key: string;
  plan: TilePlan;
}

export interface ImageSpan {
  key: string;
  /** First and one-past-last position of this image's placeholder tokens. */
  start: number;
  end: number;
}

export interface PromptSequence {
  ids: number[];
  spans: ImageSpan[];
  /** For each position, the row of the concatenated image features it takes, or -1 for text. */
  featureRow: Int32Array;
}

/**
 * Messages as the template takes them: lists of parts, or (`imageText` given, for a template that reads
 * strings only) one string per message with `imageText` where each image goes.
 */
export function toTemplateMessages(messages: readonly ChatMessage[], imageText?: string): TemplateMessage[] {
  return messages.map((m) => ({
    role: m.role,
    content:
      imageText === undefined
        ? m.content.map((part) =>
            part.type === 'text' ? { type: 'text', text: part.text } : { type: 'image' },
          )
        : m.content.map((part) => (part.type === 'text' ? part.text : imageText)).join(''),
  }));
}

export function buildPrompt(
  messages: readonly ChatMessage[],
  images: readonly PromptImage[],
  family: FamilyModel,
  text: TextModel,
): PromptSequence {
  const imageText = text.partsInTemplate ? undefined : `${family.imagePlaceholder}\n`;
  const rendered = text.renderChat(toTemplateMessages(messages, imageText), true);
  const pieces = rendered.split(family.imagePlaceholder);
  if (pieces.length - 1 !== images.length) {
    throw new TesseraError(
      'IMAGE_TOKEN_MISMATCH',
      `The prompt has ${pieces.length - 1} image placeholders for ${images.length} image(s). ` +
        `Remove the literal text "${family.imagePlaceholder}" from the message and send it again.`,
    );
  }
  const expanded = pieces
    .map((piece, i) =>
      i < images.length ? piece + family.expandImage((images[i] as PromptImage).plan) : piece,
    )
    .join('');
  const ids = text.encodePrompt(expanded);
  return { ids, ...locateImages(ids, images, family.imageTokenId) };
}

function locateImages(ids: readonly number[], images: readonly PromptImage[], imageTokenId: number) {
  const featureRow = new Int32Array(ids.length).fill(-1);
  const spans: ImageSpan[] = [];
  const expected = images.reduce((sum, image) => sum + image.plan.imageTokens, 0);
  let row = 0;
  let imageIndex = 0;
  let rowInImage = 0;
  for (let pos = 0; pos < ids.length; pos++) {
    if (ids[pos] !== imageTokenId) continue;
    const image = images[imageIndex];
    if (!image) break;
    if (rowInImage === 0) spans.push({ key: image.key, start: pos, end: pos + 1 });
    (spans[spans.length - 1] as ImageSpan).end = pos + 1;
    featureRow[pos] = row++;
    if (++rowInImage === image.plan.imageTokens) {
      imageIndex++;
      rowInImage = 0;
    }
  }
  const found = ids.filter((id) => id === imageTokenId).length;
  if (found !== expected) {
    throw new TesseraError(
      'IMAGE_TOKEN_MISMATCH',
      `The prompt holds ${found} image tokens but the images provide ${expected} feature rows. ` +
        'The tokenizer does not match the model configuration; download the model again.',
    );
  }
  return { spans, featureRow };
}

/**
 * How many leading positions of `next` a cache built for `cached` can serve: the common token prefix, cut
 * back to the start of the first image whose pixels differ (equal token ids do not mean equal images).
 */
export function reusablePrefix(
  cached: { ids: readonly number[]; spans: readonly ImageSpan[] },
  next: { ids: readonly number[]; spans: readonly ImageSpan[] },
): number {
  let length = 0;
  const limit = Math.min(cached.ids.length, next.ids.length);
  while (length < limit && cached.ids[length] === next.ids[length]) length++;
  for (const span of cached.spans) {
    if (span.start >= length) break;
    const same = next.spans.find((s) => s.start === span.start);
    if (!same || same.key !== span.key || same.end !== span.end) {
      length = span.start;
      break;
    }
  }
  return length;
}
