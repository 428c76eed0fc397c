/**
 * KV-cache invariants any family must keep, checked on a loaded Vlm: feeding a prompt (image features
 * included) in pieces through the cache gives the logits of one full pass, and a follow-up answered on a kept
 * conversation cache is the answer a fresh run gives.
 */
import { expect } from 'vitest';
import type { ChatMessage, GenerateResult } from '../../app/chat.ts';
import { decodeImage, imageHash } from '../image/decode.ts';
import type { TilePlan } from '../../app/tile-plan.ts';
import { DecoderStepper, type PositionIds, embedTokens, scatterImageFeatures } from '../runtime/generate.ts';
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
    const encoded = readFloat32(features);
    const hidden = features.dims[features.dims.length - 1] ?? 0;
    // AnyRes families rearrange the encoder rows (unpad, newline rows) exactly as the runtime does.
    rows.push(family.arrangeFeatures ? family.arrangeFeatures(encoded, hidden, plan) : encoded);
    images.push({ key: imageHash(part.data), plan });
  }
  const prompt = buildPrompt(messages, images, family, text);
  const embeds = await embedTokens(embed.session, prompt.ids);
  scatterImageFeatures(embeds, 0, prompt.featureRow, rows);
  return {
    ids: prompt.ids,
    embeds,
    imageTokens: images.reduce((n, i) => n + i.plan.imageTokens, 0),
    plans: images.map((i) => i.plan),
  };
}

/** The family's position ids hook bound to the prompt's plans (Qwen2-VL's 3-D rope), as runGeneration binds it. */
function familyPositions(vlm: Vlm, plans: readonly TilePlan[]): PositionIds | undefined {
  const family = vlm.parts.family;
  const positionIds = family.positionIds?.bind(family);
  return positionIds ? (ids, start, count) => positionIds(ids, plans, start, count) : undefined;
}

/**
 * Logits of the last position after one pass over the whole prompt, and after `head` positions then one
 * position at a time through the cache. Returns their largest difference.
 */
export async function incrementalVersusFull(vlm: Vlm, messages: ChatMessage[], head: number) {
  const { decoder } = vlm.parts;
  const { ids, embeds, plans } = await promptEmbeds(vlm, messages);
  const hidden = embeds.length / ids.length;
  const slice = (from: number, to: number) => embeds.slice(from * hidden, to * hidden);
  const positions = familyPositions(vlm, plans);
  const full = new DecoderStepper(decoder.session, KvCache.empty(decoder.session), [], positions);
  const expected = await full.feed(ids, embeds);
  const incremental = new DecoderStepper(decoder.session, KvCache.empty(decoder.session), [], positions);
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
    // The answer as the app sends it back: its text and the model's own ids.
    { role: 'assistant', content: [{ type: 'text', text: turn1.text }], tokenIds: turn1.tokenIds },
    { role: 'user', content: [{ type: 'text', text: followUp }] },
  ];
  const kept = await greedy(second, threadId);
  const fresh = await greedy(second);
  vlm.forgetThread(threadId);
  return { turn1, kept, fresh };
}

/**
 * Asserts incremental decoding equals a full pass for each head length: the first also checks both caches hold
 * the whole prompt. Heads that end inside the image rows show the cache holds features like any position.
 */
export async function expectIncrementalMatchesFull(vlm: Vlm, messages: ChatMessage[], heads: number[]) {
  const [first, ...rest] = heads;
  const { maxDiff, lengths, promptLength } = await incrementalVersusFull(vlm, messages, first ?? 1);
  expect(lengths).toEqual([promptLength, promptLength]);
  expect(maxDiff).toBeLessThan(1e-4);
  for (const head of rest)
    expect((await incrementalVersusFull(vlm, messages, head)).maxDiff).toBeLessThan(1e-4);
  return promptLength;
}

/**
 * Asserts a follow-up on the kept thread gives the fresh run's tokens, the image comes from the cache and the
 * fresh run used none. `keptCache: 'whole'` also asserts the whole first prompt and answer were served from
 * the cache (all but the answer's last token, which was never fed); families whose template re-renders part
 * of it check `kept.stats.cachedTokens` themselves.
 */
export async function expectFollowUpMatchesFresh(
  vlm: Vlm,
  first: ChatMessage[],
  keptCache: 'whole' | 'own' = 'whole',
) {
  const result = await followUpVersusFresh(vlm, first, 'More?');
  const { turn1, kept, fresh } = result;
  if (keptCache === 'whole') {
    const fed = turn1.stats.promptTokens + turn1.tokenIds.length - 1;
    expect(kept.stats.cachedTokens).toBeGreaterThanOrEqual(fed);
  }
  expect(kept.stats.imagesFromCache).toBe(1);
  expect(fresh.stats.cachedTokens).toBe(0);
  expect(kept.tokenIds).toEqual(fresh.tokenIds);
  return result;
}
