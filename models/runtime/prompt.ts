/**
 * From chat messages to the token sequence the decoder sees: render the chat template, expand each image
 * placeholder with that image's tile plan, tokenize, and record where each image's feature rows go.
 */
import type { ChatMessage } from '../../app/chat.ts';
import type { TilePlan } from '../../app/tile-plan.ts';
import { TesseraError } from '../errors.ts';
import type { FamilyGeometry } from '../families/family.ts';
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
  /** Assistant messages whose own token ids the prompt holds (see ChatMessage.tokenIds). */
  ownAnswers: number;
  spans: ImageSpan[];
  /** For each position, the row of the concatenated image features it takes, or -1 for text. */
  featureRow: Int32Array;
}

/**
 * Messages as the template takes them: lists of parts, or (`imageText` given, for a template that reads
 * strings only) one string per message with `imageText` where each image goes. `replaced` gives the text that
 * stands for a whole message instead (an answer whose own token ids go there).
 */
export function toTemplateMessages(
  messages: readonly ChatMessage[],
  imageText?: string,
  replaced: ReadonlyMap<number, string> = new Map(),
): TemplateMessage[] {
  return messages.map((m, i) => {
    const stand = replaced.get(i);
    const content: ChatMessage['content'] = stand === undefined ? m.content : [{ type: 'text', text: stand }];
    return {
      role: m.role,
      content:
        imageText === undefined
          ? content.map((part) =>
              part.type === 'text' ? { type: 'text', text: part.text } : { type: 'image' },
            )
          : content.map((part) => (part.type === 'text' ? part.text : imageText)).join(''),
    };
  });
}

/** Stands for answer `i` in the rendered prompt: private-use characters no template trims or escapes. */
const answerMarker = (i: number) => `\uE000answer ${i}\uE001`;
const ANSWER_MARKERS = /\uE000answer (\d+)\uE001/;

/** Assistant messages whose token ids decode to their text, by message index (edited answers drop out). */
function ownAnswers(messages: readonly ChatMessage[], text: TextModel): Map<number, readonly number[]> {
  const own = new Map<number, readonly number[]>();
  messages.forEach((m, i) => {
    if (m.role !== 'assistant' || !m.tokenIds?.length || m.content.some((p) => p.type !== 'text')) return;
    // Ids the tokenizer does not have decode to nothing, so they would pass the text check below.
    if (!m.tokenIds.every((id) => text.knows(id))) return;
    const written = m.content.map((p) => (p.type === 'text' ? p.text : '')).join('');
    if (written.includes('\uE000')) return;
    // A stream holds back an incomplete UTF-8 sequence at the end, so the text lacks the decoder's U+FFFD.
    const decoded = text.decode(m.tokenIds).replace(/\uFFFD+$/, '');
    if (decoded.trim() === written.trim()) own.set(i, m.tokenIds);
  });
  return own;
}

/**
 * The model generated each answer right after the generation prompt; a template may put whitespace between
 * the assistant header and the content instead (SmolVLM's "Assistant: "). The answer's own ids carry the
 * spacing the model chose, so that whitespace goes where the text before the answer is the generation prompt.
 */
function withoutGlue(rendered: string, i: number, generationPrompt: string): string {
  const at = rendered.indexOf(answerMarker(i));
  const before = rendered.slice(0, at);
  if (at < 0 || !before.startsWith(generationPrompt)) return rendered;
  return /^\s*$/.test(before.slice(generationPrompt.length))
    ? generationPrompt + rendered.slice(at)
    : rendered;
}

/** Tokenizes the rendered prompt with each marked answer's own ids in its place. */
function encodeWithAnswers(
  expanded: string,
  answers: ReadonlyMap<number, readonly number[]>,
  text: TextModel,
): number[] {
  const pieces = expanded.split(ANSWER_MARKERS);
  const ids: number[] = [];
  for (let k = 0; k < pieces.length; k += 2) {
    const piece = pieces[k] ?? '';
    const answer = k + 1 < pieces.length ? answers.get(Number(pieces[k + 1])) : undefined;
    if (k === 0) ids.push(...text.encodePrompt(piece));
    else if (piece) ids.push(...text.encode(piece));
    if (answer) ids.push(...answer);
  }
  return ids;
}

export function buildPrompt(
  messages: readonly ChatMessage[],
  images: readonly PromptImage[],
  family: FamilyGeometry,
  text: TextModel,
): PromptSequence {
  const imageText = text.partsInTemplate ? undefined : `${family.imagePlaceholder}\n`;
  const answers = ownAnswers(messages, text);
  const markers = new Map([...answers.keys()].map((i) => [i, answerMarker(i)]));
  const render = (upTo: number) =>
    text.renderChat(toTemplateMessages(messages.slice(0, upTo), imageText, markers), true);
  let rendered = render(messages.length);
  for (const i of answers.keys()) rendered = withoutGlue(rendered, i, render(i));
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
  const ids = answers.size > 0 ? encodeWithAnswers(expanded, answers, text) : text.encodePrompt(expanded);
  return { ids, ownAnswers: answers.size, ...locateImages(ids, images, family.imageTokenId) };
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
