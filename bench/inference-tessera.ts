/**
 * Tessera's side of the inference suite: the real runtime (`Vlm`) on the benchmark model, every session's
 * run wrapped by the shared RunLog. Turn 2 runs on the same thread, so it reuses the kept KV cache and the
 * cached image features, as the app does.
 */
import { readFile } from 'node:fs/promises';
import type { ChatMessage, GenerateResult } from '../app/chat.ts';
import { decodeImage } from '../models/image/decode.ts';
import { Vlm } from '../models/runtime/vlm.ts';
import {
  type ChildResult,
  type InferenceJob,
  RunLog,
  coldAndWarm,
  peakMemory,
  turnFigures,
} from './inference-common.ts';

export async function measureTessera(job: InferenceJob): Promise<ChildResult> {
  const [hd, uhd] = await Promise.all([readFile(job.images.hd), readFile(job.images.uhd)]);
  const loadStart = performance.now();
  const vlm = await Vlm.load(job.modelDir, {
    device: job.provider,
    dtype: 'q4',
    intraOpThreads: job.threads,
  });
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

  const sampling = { maxTokens: job.newTokens, ignoreEos: true, temperature: 0 };
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
    Object.entries(vlm.info.providers).map(([graph, p]) => [graph, `${p.provider} ${p.dtype}`]),
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
