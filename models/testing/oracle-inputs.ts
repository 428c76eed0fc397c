/**
 * Inputs for comparing Tessera with transformers.js: images as its RawImage, conversations as its chat
 * templates take them, tensors both ways, and Tessera's own prompt ids and encoder feeds.
 */
import { RawImage, Tensor } from '@huggingface/transformers';
import type { ChatMessage } from '../../app/chat.ts';
import type { TilePlan } from '../../app/tile-plan.ts';
import { decodeImage } from '../image/decode.ts';
import { buildPrompt } from '../runtime/prompt.ts';
import type { Vlm } from '../runtime/vlm.ts';
import type { TensorData } from '../tensor.ts';

export { maxAbsDiff } from './tensors.ts';

export async function rawImage(bytes: Uint8Array): Promise<RawImage> {
  const decoded = await decodeImage(bytes);
  return new RawImage(new Uint8ClampedArray(decoded.data), decoded.width, decoded.height, 3);
}

/** The conversation as transformers.js chat templates take it: image parts become bare `{ type: 'image' }`. */
export function hfMessages(messages: ChatMessage[]) {
  return messages.map((m) => ({
    role: m.role,
    content: m.content.map((p) => (p.type === 'text' ? { type: 'text', text: p.text } : { type: 'image' })),
  }));
}

export const idsOf = (tensor: Tensor): number[] => Array.from(tensor.data as BigInt64Array, Number);

/** A Tessera tensor as a transformers.js one, so the reference runs on Tessera's pixels. */
export function hfTensor(t: TensorData | undefined): Tensor {
  if (!t) throw new Error('missing feed');
  return new Tensor(t.type, t.data, [...t.dims]);
}

/** Tessera's plan and encoder feeds for one image, from Tessera's own processor. */
export async function tesseraFeeds(vlm: Vlm, bytes: Uint8Array, detail: 'low' | 'high' = 'high') {
  const { family } = vlm.parts;
  const decoded = await decodeImage(bytes);
  const plan = family.planImage({ width: decoded.width, height: decoded.height }, detail);
  return { plan, feeds: await family.preprocess(decoded, plan) };
}

/** Tessera's prompt ids, encoder feeds and plans for a conversation, from Tessera's own processor. */
export async function tesseraInputs(
  vlm: Vlm,
  messages: ChatMessage[],
  images: Uint8Array[],
  detail: 'low' | 'high' = 'high',
) {
  const feeds: Record<string, TensorData>[] = [];
  const plans: TilePlan[] = [];
  for (const bytes of images) {
    const one = await tesseraFeeds(vlm, bytes, detail);
    feeds.push(one.feeds);
    plans.push(one.plan);
  }
  const { family, text } = vlm.parts;
  const prompt = buildPrompt(
    messages,
    plans.map((plan, i) => ({ key: String(i), plan })),
    family,
    text,
  );
  return { ids: prompt.ids, feeds, plans };
}
