/**
 * From chat messages to the token sequence the decoder sees: render the chat template, expand each image
 * placeholder with that image's tile plan, tokenize, and record where each image's feature rows go.
 */
import type { ChatMessage } from '../../app/chat.ts';
import type { TilePlan } from '../../app/tile-plan.ts';
import type { VideoPlan } from '../../app/video-plan.ts';
import { TesseraError } from '../errors.ts';
import type { FamilyGeometry, FamilyVideo } from '../families/family.ts';
import type { TemplateMessage, TextModel } from '../text/tokenizer.ts';

export interface PromptImage {
  /** Identifies the image's features: content hash plus plan, so the same pixels planned alike match. */
  key: string;
  plan: TilePlan;
}

/** A video of the prompt: its key (frames' hash and plan) and plan. */
export interface PromptVideo {
  key: string;
  video: VideoPlan;
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
  videoText = '',
): TemplateMessage[] {
  return messages.map((m, i) => {
    const stand = replaced.get(i);
    const content: ChatMessage['content'] = stand === undefined ? m.content : [{ type: 'text', text: stand }];
    return {
      role: m.role,
      content:
        imageText === undefined
          ? content.map((part) =>
              part.type === 'text'
                ? { type: 'text', text: part.text }
                : part.type === 'video'
                  ? { type: 'text', text: videoText }
                  : { type: 'image' },
            )
          : content
              .map((part) =>
                part.type === 'text' ? part.text : part.type === 'video' ? videoText : imageText,
              )
              .join(''),
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

/**
 * `videos` (with a family that reads video: FamilyModel.video) are expanded like images; the feature rows of
 * images and videos go in the order they appear, which is the order of their parts in the messages.
 */
export function buildPrompt(
  messages: readonly ChatMessage[],
  images: readonly PromptImage[],
  family: FamilyGeometry & { video?: FamilyVideo },
  text: TextModel,
  videos: readonly PromptVideo[] = [],
): PromptSequence {
  const imageText = text.partsInTemplate ? undefined : `${family.imagePlaceholder}\n`;
  const video = family.video;
  const answers = ownAnswers(messages, text);
  const markers = new Map([...answers.keys()].map((i) => [i, answerMarker(i)]));
  const render = (upTo: number) =>
    text.renderChat(
      toTemplateMessages(messages.slice(0, upTo), imageText, markers, video?.templateText),
      true,
    );
  let rendered = render(messages.length);
  for (const i of answers.keys()) rendered = withoutGlue(rendered, i, render(i));
  const placeholders = [family.imagePlaceholder, ...(video ? [video.placeholder] : [])];
  const pieces = rendered.split(new RegExp(`(${placeholders.map(escapeRegExp).join('|')})`));
  const found = { image: 0, video: 0 };
  // Images and videos in the order the prompt holds them, for families whose videos fill image tokens.
  const inOrder: MediaRun['items'] = [];
  const expanded = pieces
    .map((piece, i) => {
      if (i % 2 === 0) return piece;
      if (piece === family.imagePlaceholder) {
        const image = images[found.image++];
        if (image) inOrder.push({ key: image.key, tokens: image.plan.imageTokens });
        return image ? family.expandImage(image.plan) : piece;
      }
      const clip = videos[found.video++];
      if (clip) inOrder.push({ key: clip.key, tokens: clip.video.videoTokens });
      return clip && video ? video.expand(clip.video) : piece;
    })
    .join('');
  if (found.image !== images.length || found.video !== videos.length) {
    const literal = found.image !== images.length ? family.imagePlaceholder : (video?.placeholder ?? '');
    throw new TesseraError(
      'IMAGE_TOKEN_MISMATCH',
      `The prompt has ${found.image} image and ${found.video} video placeholders for ${images.length} ` +
        `image(s) and ${videos.length} video(s). Remove the literal text "${literal}" from the message and ` +
        'send it again.',
    );
  }
  const ids = answers.size > 0 ? encodeWithAnswers(expanded, answers, text) : text.encodePrompt(expanded);
  // SmolVLM2's frames fill <image> tokens: one run of images and videos as they appear.
  const media =
    video?.tokenId === family.imageTokenId
      ? [{ tokenId: family.imageTokenId, items: inOrder }]
      : [
          {
            tokenId: family.imageTokenId,
            items: images.map((i) => ({ key: i.key, tokens: i.plan.imageTokens })),
          },
          ...(video
            ? [
                {
                  tokenId: video.tokenId,
                  items: videos.map((v) => ({ key: v.key, tokens: v.video.videoTokens })),
                },
              ]
            : []),
        ];
  return { ids, ownAnswers: answers.size, ...locateMedia(ids, media) };
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

interface MediaRun {
  tokenId: number;
  items: { key: string; tokens: number }[];
}

/** Each placeholder run's span, and each placeholder token's feature row, numbered in order of appearance. */
function locateMedia(ids: readonly number[], kinds: readonly MediaRun[]) {
  const featureRow = new Int32Array(ids.length).fill(-1);
  const spans: ImageSpan[] = [];
  const state = kinds.map(() => ({ item: 0, rowInItem: 0, found: 0 }));
  let row = 0;
  for (let pos = 0; pos < ids.length; pos++) {
    const k = kinds.findIndex((kind) => kind.tokenId === ids[pos]);
    if (k < 0) continue;
    const kind = kinds[k] as MediaRun;
    const at = state[k] as (typeof state)[number];
    at.found++;
    const item = kind.items[at.item];
    if (!item) continue;
    if (at.rowInItem === 0) spans.push({ key: item.key, start: pos, end: pos + 1 });
    (spans[spans.length - 1] as ImageSpan).end = pos + 1;
    featureRow[pos] = row++;
    if (++at.rowInItem === item.tokens) {
      at.item++;
      at.rowInItem = 0;
    }
  }
  kinds.forEach((kind, k) => {
    const expected = kind.items.reduce((sum, item) => sum + item.tokens, 0);
    const found = (state[k] as (typeof state)[number]).found;
    if (found !== expected) {
      throw new TesseraError(
        'IMAGE_TOKEN_MISMATCH',
        `The prompt holds ${found} ${k === 0 ? 'image' : 'video'} tokens but the ${k === 0 ? 'images' : 'videos'} ` +
          `provide ${expected} feature rows. The tokenizer does not match the model configuration; download ` +
          'the model again.',
      );
    }
  });
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
