/**
 * transformers.js as an oracle: an independent implementation loads the same generated folder, and Tessera's
 * prompt ids and greedy tokens must equal its own. The pieces every family's oracle test shares: loading its
 * processor and model, Tessera's inputs from Tessera's processor, greedy generation on both sides, and the
 * q4 and follow-up comparisons.
 */
import { basename, dirname } from 'node:path';
import { AutoModelForImageTextToText, AutoProcessor, type Tensor, env } from '@huggingface/transformers';
import { afterAll, beforeAll, expect } from 'vitest';
import type { ChatMessage, GenerateResult } from '../../app/chat.ts';
import { Vlm } from '../runtime/vlm.ts';
import type { TensorData } from '../tensor.ts';
import { hfMessages, hfTensor, idsOf, rawImage, tesseraInputs } from './oracle-inputs.ts';
import { user } from './vlm-fixture.ts';

export * from './oracle-inputs.ts';

export const MAX_NEW_TOKENS = 24;

// transformers.js types are loose; these are its processor and model objects.
export type HfProcessor = Awaited<ReturnType<typeof AutoProcessor.from_pretrained>>;
export type HfModel = Awaited<ReturnType<typeof AutoModelForImageTextToText.from_pretrained>>;
export interface HfModelClass {
  from_pretrained(name: string, options: { dtype: 'fp32' | 'q4'; device: 'cpu' }): Promise<HfModel>;
}

/** Points transformers.js at the folder's parent, offline; returns the name to load it by. */
export function localModel(dir: string): string {
  env.allowRemoteModels = false;
  env.localModelPath = dirname(dir);
  return basename(dir);
}

export interface RunOptions {
  /** LlavaProcessor-style processors take the images first, the others the text. */
  imagesFirst?: boolean;
  /** The detail Tessera plans at (default high). */
  detail?: 'low' | 'high';
  /** The chat template's text as the processor expects it (Phi-3.5-vision numbers its image tags). */
  prompt?: (rendered: string) => string;
  /**
   * Tessera's feeds given to the reference in place of its processor's, so the comparison isolates the runtime
   * from the resizes; default Tessera's pixel_values of the first image.
   */
  feeds?: (ours: Record<string, TensorData>[]) => Record<string, Tensor>;
  /** Another reference model (the q4 one); default the fp32 model. */
  reference?: HfModel;
}

/** One conversation through transformers.js's chat template, processor and greedy generate(), and Tessera's inputs. */
export interface ProcessorRun {
  prompt: string;
  // transformers.js's processor output: input_ids, pixel_values and the family's own.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  inputs: Record<string, any>;
  inputIds: number[];
  generated: number[];
  ours: Awaited<ReturnType<typeof tesseraInputs>>;
}

export interface Oracle {
  readonly processor: HfProcessor;
  readonly model: HfModel;
  run(messages: ChatMessage[], images: Uint8Array[], options?: RunOptions): Promise<ProcessorRun>;
  /** `run`, then Tessera's prompt ids must be its processor's and Tessera's greedy tokens its own. */
  compare(
    messages: ChatMessage[],
    images: Uint8Array[],
    options?: RunOptions & { threadId?: string; full?: boolean },
  ): Promise<{ result: GenerateResult; run: ProcessorRun }>;
}

const firstPixels = (ours: Record<string, TensorData>[]) => ({
  pixel_values: hfTensor(ours[0]?.pixel_values),
});

/**
 * Loads transformers.js's processor (unless `processor: false`) and fp32 model (unless `model: false`) of the fixture's folder once
 * the fixture's own hooks have loaded it; disposes the model after the calling scope's tests.
 */
export function useOracle(
  fixture: { readonly dir: string; readonly vlm: Vlm },
  options: { modelClass?: HfModelClass; processor?: boolean; model?: boolean } = {},
  timeout?: number,
): Oracle {
  let processor: HfProcessor | undefined;
  let model: HfModel | undefined;
  beforeAll(async () => {
    const name = localModel(fixture.dir);
    if (options.processor ?? true) processor = await AutoProcessor.from_pretrained(name);
    if (!(options.model ?? true)) return;
    const modelClass = options.modelClass ?? AutoModelForImageTextToText;
    model = await modelClass.from_pretrained(name, { dtype: 'fp32', device: 'cpu' });
  }, timeout);
  afterAll(async () => {
    await model?.dispose();
  });
  const oracle: Oracle = {
    get processor() {
      if (!processor) throw new Error('no transformers.js processor loaded');
      return processor;
    },
    get model() {
      if (!model) throw new Error('no transformers.js model loaded');
      return model;
    },
    async run(messages, images, run = {}) {
      const hf = oracle.processor;
      const rendered = hf.apply_chat_template(hfMessages(messages) as never, { add_generation_prompt: true });
      const prompt = (run.prompt ?? ((p: string) => p))(rendered as string);
      const raw = await Promise.all(images.map(rawImage));
      const pictures = raw.length === 1 ? raw[0] : raw;
      const inputs =
        raw.length === 0
          ? await hf(prompt)
          : run.imagesFirst
            ? await hf(pictures, prompt)
            : await hf(prompt, pictures);
      const ours = await tesseraInputs(fixture.vlm, messages, images, run.detail);
      const inputIds = idsOf(inputs.input_ids);
      const feeds = { ...inputs, ...(run.feeds ?? firstPixels)(ours.feeds) };
      const eos = fixture.vlm.parts.text.eosTokenIds;
      const generated = await referenceGreedy(run.reference ?? oracle.model, feeds, inputIds.length, eos);
      return { prompt, inputs, inputIds, generated, ours };
    },
    async compare(messages, images, options = {}) {
      const run = await oracle.run(messages, images, options);
      expect(run.ours.ids).toEqual(run.inputIds);
      const result = await expectTesseraGreedy(fixture.vlm, messages, run.generated, options);
      return { result, run };
    },
  };
  return oracle;
}

/**
 * transformers.js greedy generate() on these inputs: the new token ids, without the EOS ids given (Tessera
 * stops before them and reports none).
 */
export async function referenceGreedy(
  model: HfModel,
  inputs: Record<string, unknown>,
  promptLength: number,
  eos: readonly number[] = [],
): Promise<number[]> {
  const output = (await model.generate({
    ...inputs,
    max_new_tokens: MAX_NEW_TOKENS,
    do_sample: false,
  } as never)) as Tensor;
  const stop = new Set(eos);
  return idsOf(output)
    .slice(promptLength)
    .filter((id) => !stop.has(id));
}

/**
 * Tessera's greedy answer (on the thread, if given) must be the reference's tokens; `full` also asks for all
 * MAX_NEW_TOKENS of them, so an early stop cannot pass as agreement.
 */
export async function expectTesseraGreedy(
  vlm: Vlm,
  messages: ChatMessage[],
  expected: number[],
  options: { threadId?: string; full?: boolean } = {},
): Promise<GenerateResult> {
  const result = await vlm.generate(
    { messages, threadId: options.threadId, sampling: { maxTokens: MAX_NEW_TOKENS } },
    () => {},
  );
  expect(result.tokenIds).toEqual(expected);
  if (options.full ?? true) expect(result.tokenIds).toHaveLength(MAX_NEW_TOKENS);
  else expect(result.tokenIds.length).toBeGreaterThan(0);
  return result;
}

/** The first turn, Tessera's answer to it, and a second question. */
export function followUp(first: ChatMessage[], answer: string, question = 'What else?'): ChatMessage[] {
  return [
    ...first,
    { role: 'assistant', content: [{ type: 'text', text: answer }] },
    user({ type: 'text', text: question }),
  ];
}

/**
 * Two compared turns on one thread: the second is the first, Tessera's answer and "What else?". Returns both
 * Tessera results so the caller can check what the kept cache served.
 */
export async function compareFollowUp(
  first: ChatMessage[],
  compare: (messages: ChatMessage[], threadId: string) => Promise<GenerateResult>,
  threadId = 'oracle-thread',
): Promise<[GenerateResult, GenerateResult]> {
  const turn1 = await compare(first, threadId);
  const turn2 = await compare(followUp(first, turn1.text), threadId);
  return [turn1, turn2];
}

/**
 * The q4 (MatMulNBits) folder on both sides — or with `dtype: 'q8'`, the dynamic int8 one: Tessera's greedy
 * tokens equal those `theirs` gets from transformers.js's model of that dtype. Both multiply float activations here (transformers.js runs the graph's
 * accuracy_level 0); Tessera's int8 activations are held to a logits tolerance in int8-activations.test.ts.
 */
export async function expectQ4Agrees(
  q4Dir: string,
  messages: ChatMessage[],
  theirs: (reference: HfModel) => Promise<number[]>,
  options: { modelClass?: HfModelClass; full?: boolean; dtype?: 'q4' | 'q8' } = {},
): Promise<void> {
  const dtype = options.dtype ?? 'q4';
  const q4 = await Vlm.load(q4Dir, { device: 'cpu', dtype, int8Activations: false });
  const modelClass = options.modelClass ?? AutoModelForImageTextToText;
  // The model classes' option types are narrower than what from_pretrained accepts ('q8' loads `_quantized`).
  const reference = await modelClass.from_pretrained(basename(q4Dir), {
    dtype: dtype as 'q4',
    device: 'cpu',
  });
  try {
    const ours = await q4.generate({ messages, sampling: { maxTokens: MAX_NEW_TOKENS } }, () => {});
    expect(ours.tokenIds).toEqual(await theirs(reference));
    if (options.full ?? true) expect(ours.tokenIds).toHaveLength(MAX_NEW_TOKENS);
  } finally {
    await q4.dispose();
    await reference.dispose();
  }
}
