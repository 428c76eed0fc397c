/**
 * KV-cache invariants any family must keep, checked on a loaded Vlm: feeding a prompt (image features
 * included) in pieces through the cache gives the logits of one full pass, and a follow-up answered on a kept
 * conversation cache is the answer a fresh run gives.
 */
import type { ChatMessage, GenerateResult } from '../../app/chat.ts';
import { decodeImage, imageHash } from '../image/decode.ts';
import { DecoderStepper, embedTokens, scatterImageFeatures } from '../runtime/generate.ts';
import { KvCache } from '../runtime/kv-cache.ts';
import { readFloat32, toOrt } from '../runtime/onnx.ts';
import { buildPrompt } from '../runtime/prompt.ts';
import type { Vlm } from '../runtime/vlm.ts';

/** The prompt's ids and decoder input embeddings, image feature rows scattered in, as the runtime builds them. */
export async function promptEmbeds(vlm: Vlm, messages: ChatMessage[]) {
  const { family, text, vision, embed } = vlm.parts;
  const images = [];
  const rows: Float32Array[] = [];
  for (const part of messages.flatMap((m) => m.content)) {
    if (part.type !== 'image' || !part.data) continue;
    const decoded = await decodeImage(part.data);
    const plan = family.planImage({ width: decoded.width, height: decoded.height }, family.defaultDetail);
    const feeds = await family.preprocess(decoded, plan);
    const out = await vision.session.run(
      Object.fromEntries(Object.entries(feeds).map(([k, t]) => [k, toOrt(t)])),
    );
    const features = out.image_features;
    if (!features) throw new Error('no image_features');
    rows.push(readFloat32(features));
    images.push({ key: imageHash(part.data), plan });
  }
  const prompt = buildPrompt(messages, images, family, text);
  const embeds = await embedTokens(embed.session, prompt.ids);
  scatterImageFeatures(embeds, 0, prompt.featureRow, rows);
  return { ids: prompt.ids, embeds, imageTokens: images.reduce((n, i) => n + i.plan.imageTokens, 0) };
}

/**
 * Logits of the last position after one pass over the whole prompt, and after `head` positions then one
 * position at a time through the cache. Returns their largest difference.
 */
export async function incrementalVersusFull(vlm: Vlm, messages: ChatMessage[], head: number) {
  const { decoder } = vlm.parts;
  const { ids, embeds } = await promptEmbeds(vlm, messages);
  const hidden = embeds.length / ids.length;
  const slice = (from: number, to: number) => embeds.slice(from * hidden, to * hidden);
  const full = new DecoderStepper(decoder.session, KvCache.empty(decoder.session));
  const expected = await full.feed(ids, embeds);
  const incremental = new DecoderStepper(decoder.session, KvCache.empty(decoder.session));
  let logits = await incremental.feed(ids.slice(0, head), slice(0, head));
  for (let i = head; i < ids.length; i++)
    logits = await incremental.feed([ids[i] as number], slice(i, i + 1));
  let maxDiff = 0;
  logits.forEach((v, i) => (maxDiff = Math.max(maxDiff, Math.abs(v - (expected[i] ?? NaN)))));
  const lengths = [full.cache.length, incremental.cache.length];
  full.cache.dispose();
  incremental.cache.dispose();
  return { maxDiff, lengths, promptLength: ids.length };
}

/** Two greedy turns on one thread, then the second turn again without a thread (fresh). */
export async function followUpVersusFresh(
  vlm: Vlm,
  first: ChatMessage[],
  followUp: string,
  maxTokens = 12,
): Promise<{ turn1: GenerateResult; kept: GenerateResult; fresh: GenerateResult }> {
  const greedy = (messages: ChatMessage[], threadId?: string) =>
    vlm.generate({ messages, threadId, sampling: { maxTokens, ignoreEos: true } }, () => {});
  const threadId = `follow-up-${Math.random().toString(36).slice(2)}`;
  const turn1 = await greedy(first, threadId);
  const second: ChatMessage[] = [
    ...first,
    { role: 'assistant', content: [{ type: 'text', text: turn1.text }] },
    { role: 'user', content: [{ type: 'text', text: followUp }] },
  ];
  const kept = await greedy(second, threadId);
  const fresh = await greedy(second);
  vlm.forgetThread(threadId);
  return { turn1, kept, fresh };
}
