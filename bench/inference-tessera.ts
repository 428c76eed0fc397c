/**
 * Tessera's side of the inference suite: the real runtime (`Vlm`) on the benchmark model, every session's
 * run wrapped by the shared RunLog. Turn 2 runs on the same thread, so it reuses the kept KV cache and the
 * cached image features, as the app does.
 */
import { readFile } from 'node:fs/promises';
import type { ChatMessage, GenerateResult } from '../app/chat.ts';
import { decodeImage } from '../models/image/decode.ts';
import { DecoderStepper, embedTokens } from '../models/runtime/generate.ts';
import { KvCache } from '../models/runtime/kv-cache.ts';
import { Vlm } from '../models/runtime/vlm.ts';
import { median } from './lib.ts';
import {
  type ChildResult,
  type ContextJob,
  type ContextResult,
  type InferenceJob,
  type LoadJob,
  RunLog,
  coldAndWarm,
  peakMemory,
  turnFigures,
} from './inference-common.ts';

export async function measureTessera(job: InferenceJob): Promise<ChildResult> {
  const [hd, uhd] = await Promise.all([readFile(job.images.hd), readFile(job.images.uhd)]);
  const loadStart = performance.now();
  // Tessera's own variant choice, as in the app: on the CPU the q8 vision encoder, q4 embedder and decoder.
  const vlm = await Vlm.load(job.modelDir, { device: job.provider, intraOpThreads: job.threads });
  const loadMs = performance.now() - loadStart;
  const log = new RunLog();
  const { family, vision, embed, decoder } = vlm.parts;
  log.wrap('vision_encoder', vision.session);
  log.wrap('embed_tokens', embed.session);
  log.wrap('decoder_model_merged', decoder.session);

  // Decode, plan and pixel tensor: what Vlm does before the vision encoder runs.
  const preprocess = (png: Uint8Array) =>
    coldAndWarm(async () => {
      const image = await decodeImage(png);
      const plan = family.planImage({ width: image.width, height: image.height }, family.defaultDetail);
      await family.preprocess(image, plan);
      return plan.tiles.length + (plan.global ? 1 : 0);
    });
  const preprocessed = { hd: await preprocess(hd), uhd: await preprocess(uhd) };

  // With each token's probability and alternatives recorded, as the app asks for every answer (issue 18).
  const sampling = { maxTokens: job.newTokens, ignoreEos: true, temperature: 0, confidence: true };
  const ask = async (messages: ChatMessage[]) => {
    const call = performance.now();
    const result: GenerateResult = await vlm.generate({ threadId: 'bench', messages, sampling }, () => {});
    const end = performance.now();
    // timeToFirstTokenMs counts from the start of the request inside Vlm (the queue was empty: same moment).
    const first = call + result.stats.timeToFirstTokenMs;
    const figures = turnFigures(
      log,
      { call, first, end },
      {
        promptTokens: result.stats.promptTokens,
        generatedTokens: result.tokenIds.length,
        cachedTokens: result.stats.cachedTokens,
        prefillMs: result.stats.prefillMs,
      },
    );
    return { result, figures };
  };
  const first: ChatMessage[] = [
    {
      role: 'user',
      content: [
        { type: 'image', data: hd },
        { type: 'text', text: job.questions[0] },
      ],
    },
  ];
  const turn1 = await ask(first);
  const turn2 = await ask([
    ...first,
    // As the app sends it back: the answer's text and the model's own token ids.
    {
      role: 'assistant',
      content: [{ type: 'text', text: turn1.result.text }],
      tokenIds: turn1.result.tokenIds,
    },
    { role: 'user', content: [{ type: 'text', text: job.questions[1] }] },
  ]);
  const placement = Object.fromEntries(
    Object.entries(vlm.info.providers).map(([graph, p]) => [
      graph,
      `${p.provider} ${p.dtype}${p.cache ? `, cache ${p.cache}` : ''}`,
    ]),
  );
  await vlm.dispose();
  return {
    system: 'tessera',
    provider: job.provider,
    threads: job.threads,
    placement,
    loadMs,
    preprocess: preprocessed,
    turn1: turn1.figures,
    turn2: turn2.figures,
    ...peakMemory(),
    answerPreview: turn1.result.text.slice(0, 80),
    own: { turn1: turn1.result.stats, turn2: turn2.result.stats },
  };
}

/** Loads the model and stops: the suite drops the page cache first, so this is a cold load. */
export async function measureLoad(job: LoadJob): Promise<{ loadMs: number }> {
  const start = performance.now();
  // Tessera's own variant choice, as in the app: on the CPU the q8 vision encoder, q4 embedder and decoder.
  const vlm = await Vlm.load(job.modelDir, { device: job.provider, intraOpThreads: job.threads });
  const loadMs = performance.now() - start;
  await vlm.dispose();
  return { loadMs };
}

/**
 * Decode speed by context length: for each depth, a cache of that many text positions (prefilled in one run),
 * then `steps` greedy decode steps through the runtime's DecoderStepper; the median step is reported.
 */
export async function measureContext(job: ContextJob): Promise<ContextResult> {
  const start = performance.now();
  // Tessera's own variant choice, as in the app: on the CPU the q8 vision encoder, q4 embedder and decoder.
  const vlm = await Vlm.load(job.modelDir, {
    device: job.provider,
    intraOpThreads: job.threads,
    cache: job.cache,
  });
  const loadMs = performance.now() - start;
  const { decoder, embed } = vlm.parts;
  const depths: ContextResult['depths'] = [];
  for (const cached of job.depths) {
    const stepper = new DecoderStepper(decoder.session, KvCache.empty(decoder.session));
    // Ordinary text ids, so the embedding rows are those of real words.
    const ids = Array.from({ length: Math.max(1, cached) }, (_, i) => 300 + ((i * 7919) % 20000));
    const prefillStart = performance.now();
    let logits = await stepper.feed(ids, await embedTokens(embed.session, ids));
    const prefillTokensPerSecond = (ids.length * 1000) / (performance.now() - prefillStart);
    const times: number[] = [];
    const cpuBefore = process.cpuUsage();
    for (let i = 0; i < job.steps; i++) {
      const id = argmax(logits);
      const t0 = performance.now();
      logits = await stepper.feed([id], await embedTokens(embed.session, [id]));
      times.push(performance.now() - t0);
    }
    stepper.cache.dispose();
    const cpu = process.cpuUsage(cpuBefore);
    const cpuMsPerToken = (cpu.user + cpu.system) / 1000 / job.steps;
    depths.push({ cached: ids.length, msPerToken: median(times), prefillTokensPerSecond, cpuMsPerToken });
  }
  const decoderCache = vlm.parts.decoder.cache;
  await vlm.dispose();
  return { depths, loadMs, decoderCache };
}

function argmax(values: Float32Array): number {
  let best = 0;
  for (let i = 1; i < values.length; i++)
    if ((values[i] ?? -Infinity) > (values[best] ?? -Infinity)) best = i;
  return best;
}
