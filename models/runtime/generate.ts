/**
 * The decode loop: prefill the tokens the cache does not hold (image features scattered into their
 * placeholder rows), then one token per decoder run until end of sequence, a stop string, the token limit
 * or an abort. Families differ only before this point, so this loop never changes for a new family.
 */
import { CONFIDENCE_ALTERNATIVES } from '../../app/chat.ts';
import type { FinishReason, GenerationStats, Sampling, TokenConfidence } from '../../app/chat.ts';
import type { MediaPlan } from '../../app/video-plan.ts';
import type { TensorData } from '../tensor.ts';
import { TextStream } from '../text/text-stream.ts';
import { DecodeRateRecorder } from './decode-rates.ts';
import type { KvCache } from './kv-cache.ts';
import type { LoadedParts } from './load.ts';
import type { Feeds, GraphSession } from './onnx.ts';
import { disposeTensor, float32, int64, readFloat32, toOrt } from './onnx.ts';
import type { OnStage } from './progress.ts';
import type { PromptSequence } from './prompt.ts';
import { Sampler } from './sampling.ts';
import type { TokenChoice } from './sampling.ts';

export interface GenerationInput {
  parts: LoadedParts;
  prompt: PromptSequence;
  /** Feature rows of each image (and video), in prompt order, and their plans. */
  images: readonly Float32Array[];
  plans: readonly MediaPlan[];
  cache: KvCache;
  /** Positions of the prompt the cache already holds. */
  reused: number;
  sampling: Sampling;
  maxTokens: number;
  onText: (delta: string) => void;
  signal?: AbortSignal;
  started: number;
  /** Told at prefill and at each decode step (the engine's watchdog tells slow from stuck). */
  onStage?: OnStage;
}

export interface GenerationOutput {
  text: string;
  tokenIds: number[];
  finishReason: FinishReason;
  /** With `sampling.confidence`: one entry per token of `tokenIds`. */
  confidence?: TokenConfidence[];
  /** Every token id the cache now holds, in order. */
  fedIds: number[];
  cache: KvCache;
  stats: Omit<
    GenerationStats,
    'imagesEncoded' | 'imagesFromCache' | 'preprocessMs' | 'visionEncodeMs' | 'providers'
  >;
}

/** A family's position ids for positions [start, start + count) of the whole sequence `ids`. */
export type PositionIds = (ids: readonly number[], start: number, count: number) => TensorData;

/**
 * Feeds tokens to the decoder and keeps its KV cache. Every run returns the logits of the last position;
 * the cache grows by the tokens fed.
 */
export class DecoderStepper {
  /** Milliseconds spent inside session.run, to tell engine overhead from model time. */
  runMs = 0;
  readonly fedIds: number[];

  constructor(
    private readonly decoder: GraphSession,
    public cache: KvCache,
    fedIds: readonly number[] = [],
    private readonly positions?: PositionIds,
  ) {
    this.fedIds = [...fedIds];
  }

  async feed(ids: readonly number[], embeds: Float32Array): Promise<Float32Array> {
    const decoder = this.decoder;
    const past = this.cache.length;
    const total = past + ids.length;
    const feeds: Feeds = {
      ...this.cache.feeds(),
      inputs_embeds: float32(embeds, [1, ids.length, embeds.length / ids.length]),
      attention_mask: int64(new BigInt64Array(total).fill(1n), [1, total]),
    };
    if (hasInput(decoder, 'position_ids')) {
      feeds.position_ids = this.positions
        ? toOrt(this.positions([...this.fedIds, ...ids], past, ids.length))
        : int64(
            BigInt64Array.from({ length: ids.length }, (_, i) => BigInt(past + i)),
            [1, ids.length],
          );
    }
    if (hasInput(decoder, 'num_logits_to_keep')) feeds.num_logits_to_keep = int64(BigInt64Array.of(1n), []);
    const t0 = performance.now();
    const outputs = await decoder.run(feeds);
    this.runMs += performance.now() - t0;
    this.cache = this.cache.advance(outputs, total);
    this.fedIds.push(...ids);
    const logits = outputs.logits;
    if (!logits) throw new Error(`${decoder.path} returned no logits`);
    const all = readFloat32(logits);
    disposeTensor(logits);
    const vocab = logits.dims[logits.dims.length - 1] ?? all.length;
    return all.slice(all.length - vocab);
  }
}

export async function runGeneration(input: GenerationInput): Promise<GenerationOutput> {
  const stepper = new DecoderStepper(
    input.parts.decoder.session,
    input.cache,
    input.prompt.ids.slice(0, input.reused),
    familyPositions(input),
  );
  try {
    return await generateWith(stepper, input);
  } catch (error) {
    // The cache may hold a half-fed step; it is not kept, and device memory is freed now.
    stepper.cache.dispose();
    throw error;
  }
}

function familyPositions(input: GenerationInput): PositionIds | undefined {
  const family = input.parts.family;
  const positionIds = family.positionIds?.bind(family);
  return positionIds ? (ids, start, count) => positionIds(ids, input.plans, start, count) : undefined;
}

async function generateWith(stepper: DecoderStepper, input: GenerationInput): Promise<GenerationOutput> {
  const { parts, prompt, sampling, signal } = input;
  const eos = new Set(sampling.ignoreEos ? [] : parts.text.eosTokenIds);
  const sampler = new Sampler(sampling, sampling.confidence ? CONFIDENCE_ALTERNATIVES : 0);
  const stream = new TextStream((ids) => parts.text.decode(ids), sampling.stop ?? []);
  const tokenIds: number[] = [];
  // Per token: its choice and the text its step showed (decoded into TokenConfidence after the loop).
  const choices: Array<{ choice: TokenChoice; text: string }> = [];
  let text = '';

  // Prefill.
  input.onStage?.({ stage: 'prefill', file: parts.decoder.session.path });
  const t0 = performance.now();
  const newIds = prompt.ids.slice(input.reused);
  const embeds = await embedTokens(parts.embed.session, newIds);
  scatterImageFeatures(embeds, input.reused, prompt.featureRow, input.images);
  let logits = await stepper.feed(newIds, embeds);
  const prefillMs = performance.now() - t0;
  let timeToFirstTokenMs = 0;
  let finishReason: FinishReason = 'length';
  const decodeStart = performance.now();
  const runMsAtDecodeStart = stepper.runMs;
  const rates = new DecodeRateRecorder(decodeStart);

  while (tokenIds.length < input.maxTokens) {
    if (signal?.aborted) {
      finishReason = 'aborted';
      break;
    }
    input.onStage?.({ stage: 'decode', file: parts.decoder.session.path });
    const id = sampler.next(logits, stepper.fedIds);
    if (tokenIds.length === 0) timeToFirstTokenMs = performance.now() - input.started;
    if (eos.has(id)) {
      finishReason = 'eos';
      break;
    }
    tokenIds.push(id);
    const delta = stream.push(id);
    if (sampler.lastChoice) choices.push({ choice: sampler.lastChoice, text: delta });
    if (delta) {
      text += delta;
      input.onText(delta);
    }
    if (stream.stopped) {
      finishReason = 'stop';
      break;
    }
    if (tokenIds.length >= input.maxTokens) break;
    logits = await stepper.feed([id], await embedTokens(parts.embed.session, [id]));
    rates.tick();
  }
  const tail = finishReason === 'stop' || finishReason === 'aborted' ? '' : stream.flush();
  if (tail) {
    text += tail;
    input.onText(tail);
    const last = choices[choices.length - 1];
    if (last) last.text += tail;
  }
  const decodeMs = performance.now() - decodeStart;
  const decodeSteps = Math.max(0, stepper.fedIds.length - prompt.ids.length);
  return {
    text,
    tokenIds,
    finishReason,
    ...(sampling.confidence ? { confidence: decodeChoices(choices, (id) => parts.text.decode([id])) } : {}),
    fedIds: stepper.fedIds,
    cache: stepper.cache,
    stats: {
      promptTokens: prompt.ids.length,
      cachedTokens: input.reused,
      generatedTokens: tokenIds.length,
      prefillMs,
      timeToFirstTokenMs,
      decodeTokensPerSecond: decodeSteps > 0 ? (decodeSteps * 1000) / decodeMs : 0,
      overheadMsPerToken:
        decodeSteps > 0 ? (decodeMs - (stepper.runMs - runMsAtDecodeStart)) / decodeSteps : 0,
      decodeRates: rates.result(),
    },
  };
}

/** Alternatives decoded once per distinct id, after the loop, so the token loop decodes nothing extra. */
function decodeChoices(
  choices: ReadonlyArray<{ choice: TokenChoice; text: string }>,
  decode: (id: number) => string,
): TokenConfidence[] {
  const texts = new Map<number, string>();
  const textOf = (id: number) => {
    let text = texts.get(id);
    if (text === undefined) texts.set(id, (text = decode(id)));
    return text;
  };
  return choices.map(({ choice, text }) => ({
    text,
    p: choice.p,
    alternatives: choice.alternatives.map((a) => ({ text: textOf(a.id), p: a.p })),
  }));
}

function hasInput(session: GraphSession, name: string): boolean {
  return session.inputs.some((i) => i.name === name);
}

export async function embedTokens(session: GraphSession, ids: readonly number[]): Promise<Float32Array> {
  const inputIds = int64(
    BigInt64Array.from(ids, (id) => BigInt(id)),
    [1, ids.length],
  );
  const output = (await session.run({ input_ids: inputIds })).inputs_embeds;
  if (!output) throw new Error(`${session.path} returned no inputs_embeds`);
  return Float32Array.from(readFloat32(output));
}

/** Replaces the embeddings of image placeholder tokens with the image's feature rows. */
export function scatterImageFeatures(
  embeds: Float32Array,
  offset: number,
  featureRow: Int32Array,
  images: readonly Float32Array[],
): void {
  const count = featureRow.length - offset;
  const hidden = embeds.length / count;
  const all = images.length === 1 ? images[0] : concat(images);
  if (!all) return;
  for (let i = 0; i < count; i++) {
    const row = featureRow[offset + i] ?? -1;
    if (row >= 0) embeds.set(all.subarray(row * hidden, (row + 1) * hidden), i * hidden);
  }
}

function concat(arrays: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(arrays.reduce((n, a) => n + a.length, 0));
  let at = 0;
  for (const a of arrays) {
    out.set(a, at);
    at += a.length;
  }
  return out;
}
