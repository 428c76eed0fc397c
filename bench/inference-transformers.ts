/**
 * transformers.js's side of the inference suite, used as its documentation shows: AutoProcessor and
 * AutoModelForVision2Seq from the same folder, the same dtype (q4) and provider, intraOpNumThreads as
 * Tessera's, greedy `generate()` with min_new_tokens = max_new_tokens, and a TextStreamer (text is streamed,
 * as a chat app would). A follow-up turn is the whole conversation processed again, image included: it keeps
 * no cache between `generate()` calls unless the caller manages one. The decoded image (RawImage) is kept from
 * turn 1, which is the most an app would keep without such a cache.
 */
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import {
  AutoModelForVision2Seq,
  AutoProcessor,
  RawImage,
  type Tensor,
  TextStreamer,
  env,
} from '@huggingface/transformers';
import {
  type ChildResult,
  type InferenceJob,
  RunLog,
  coldAndWarm,
  peakMemory,
  turnFigures,
} from './inference-common.ts';

type Processor = Awaited<ReturnType<typeof AutoProcessor.from_pretrained>>;

/** A TextStreamer that notes when the first generated token arrives (the first put() is the prompt). */
class TimingStreamer extends TextStreamer {
  firstAt = NaN;
  private puts = 0;

  override put(value: bigint[][]): void {
    if (this.puts++ === 1) this.firstAt = performance.now();
    super.put(value);
  }
}

const GRAPHS = ['vision_encoder', 'embed_tokens', 'decoder_model_merged'] as const;

export async function measureTransformers(job: InferenceJob): Promise<ChildResult> {
  const [hd, uhd] = await Promise.all([readFile(job.images.hd), readFile(job.images.uhd)]);
  env.allowRemoteModels = false;
  env.localModelPath = dirname(job.modelDir);
  const name = basename(job.modelDir);
  const loadStart = performance.now();
  const processor: Processor = await AutoProcessor.from_pretrained(name);
  const model = await AutoModelForVision2Seq.from_pretrained(name, {
    dtype: 'q4',
    device: job.provider,
    session_options: { intraOpNumThreads: job.threads },
  });
  const loadMs = performance.now() - loadStart;
  const log = new RunLog();
  const sessions = (model as unknown as { sessions: Record<string, { run: () => Promise<unknown> }> })
    .sessions;
  for (const graph of GRAPHS) {
    const session = sessions[graph];
    if (!session) throw new Error(`transformers.js opened no ${graph} session`);
    log.wrap(graph, session);
  }

  const imageProcessor = (processor as unknown as { image_processor: (image: RawImage) => Promise<unknown> })
    .image_processor;
  const read = (png: Uint8Array) => RawImage.fromBlob(new Blob([png]));
  const preprocess = (png: Uint8Array) =>
    coldAndWarm(async () => {
      const out = (await imageProcessor(await read(png))) as { pixel_values: Tensor };
      return out.pixel_values.dims[1] ?? 0;
    });
  const preprocessed = { hd: await preprocess(hd), uhd: await preprocess(uhd) };

  type Message = { role: string; content: Array<{ type: 'image' } | { type: 'text'; text: string }> };
  const ask = async (messages: Message[], image: () => Promise<RawImage>) => {
    const call = performance.now();
    const raw = await image();
    const prompt = processor.apply_chat_template(messages as never, { add_generation_prompt: true });
    const inputs = (await processor(prompt, [raw])) as { input_ids: Tensor } & Record<string, unknown>;
    const streamer = new TimingStreamer(processor.tokenizer as never, {
      skip_prompt: true,
      callback_function: () => {},
    });
    const output = (await model.generate({
      ...inputs,
      do_sample: false,
      max_new_tokens: job.newTokens,
      min_new_tokens: job.newTokens,
      streamer,
    } as never)) as Tensor;
    const end = performance.now();
    const promptTokens = inputs.input_ids.dims[1] ?? 0;
    const ids = Array.from(output.data as BigInt64Array, Number).slice(promptTokens);
    const text = (processor.batch_decode([ids], { skip_special_tokens: true }) as string[])[0] ?? '';
    const figures = turnFigures(
      log,
      { call, first: streamer.firstAt, end },
      { promptTokens, generatedTokens: ids.length, cachedTokens: 0 },
    );
    return { raw, text, figures };
  };
  const question: Message = {
    role: 'user',
    content: [{ type: 'image' }, { type: 'text', text: job.questions[0] }],
  };
  const turn1 = await ask([question], () => read(hd));
  const turn2 = await ask(
    [
      question,
      { role: 'assistant', content: [{ type: 'text', text: turn1.text }] },
      { role: 'user', content: [{ type: 'text', text: job.questions[1] }] },
    ],
    async () => turn1.raw,
  );
  await model.dispose();
  return {
    system: 'transformers',
    provider: job.provider,
    threads: job.threads,
    placement: Object.fromEntries(GRAPHS.map((g) => [g, `${job.provider} q4`])),
    loadMs,
    preprocess: preprocessed,
    turn1: turn1.figures,
    turn2: turn2.figures,
    ...peakMemory(),
    answerPreview: turn1.text.slice(0, 80),
  };
}
