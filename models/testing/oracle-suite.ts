/**
 * transformers.js as the oracle for every family, as a vitest suite run once per test model over the registry
 * (models/families/conformance-oracle.test.ts): transformers.js, an independent implementation, loads the same
 * generated folder; for one image and a question its prompt and input ids must be Tessera's (with the family's
 * image-token count) and its greedy tokens Tessera's; the same on the quantized variants; and on a follow-up
 * turn Tessera's kept cache must serve the first turn and give transformers.js's answer to the whole
 * conversation. How each family feeds transformers.js (processor argument order, Tessera's pixels in place of
 * its own, numbered image tags, negated ids, model class) is the table's; family quirks stay in the family's
 * own oracle.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { ChatMessage, GenerateResult } from '../../app/chat.ts';
import {
  type HfModel,
  type HfModelClass,
  type Oracle,
  type ProcessorRun,
  type RunOptions,
  compareFollowUp,
  expectQ4Agrees,
  expectTesseraGreedy,
  useOracle,
} from './transformers-oracle.ts';
import { type ModelSource, type TestVlm, image, modelDir, text, useTestVlm, user } from './vlm-fixture.ts';

type Images = 'photo' | 'other' | 'followUp';
type ImagePart = ReturnType<typeof image>;

export interface OracleContext {
  fx: TestVlm<Images>;
  oracle: Oracle;
}

/** One conversation through transformers.js: the reference model (default fp32) and the detail Tessera plans at. */
export type OracleRun = (
  ctx: OracleContext,
  messages: ChatMessage[],
  images: Uint8Array[],
  options: { reference?: HfModel; detail?: 'low' | 'high' },
) => Promise<ProcessorRun>;

/** A case the family does not run, and why (shown as a skipped test). */
export interface NotCompared {
  notCompared: string;
}

export interface OracleConformance {
  /** Shown in the describe title. */
  label: string;
  model: ModelSource;
  /** `photo` for the question and the quantized variants, `followUp` (default photo) for the follow-up. */
  images: () => Partial<Record<Images, Promise<Uint8Array>>> & { photo: Promise<Uint8Array> };
  /** Load (and, for `q4`, the quantized cases') timeouts (ms), where the defaults are not enough. */
  timeout?: { load?: number; q4?: number };
  /** transformers.js's model class (default AutoModelForImageTextToText); `processor: false` where it has none. */
  modelClass?: HfModelClass;
  processor?: boolean;
  /** The detail every image is asked at (default the family's). */
  detail?: 'low';
  /**
   * How transformers.js is fed: `Oracle.run` options (its processor's argument order, Tessera's pixels in place
   * of its own, the prompt as its processor expects it), or a run of the family's own.
   */
  feed: Pick<RunOptions, 'imagesFirst' | 'prompt' | 'feeds'> | { run: OracleRun };
  /** Tessera's prompt ids from transformers.js's (default the same; Phi-3.5-vision negates its image tokens). */
  tesseraIds?: (ids: number[]) => number[];
  /** More checks on each transformers.js run (its processor's grids). */
  check?: (run: ProcessorRun) => void;
  /** Whether Tessera's greedy answers run all MAX_NEW_TOKENS (default); false where the tiny model stops at EOS. */
  full?: boolean;
  /** One image and a question (default "What is in this image?"). */
  question: {
    text?: string;
    /** transformers.js's rendered chat template, whole. */
    prompt: string;
    imageTokens: number;
    /** More about transformers.js's processor output on it. */
    inputs?: (run: ProcessorRun, ctx: OracleContext) => void;
  };
  /** The quantized variants of the same model, compared on "Describe the picture." about the photo. */
  quantized: { q4: ModelSource | NotCompared; q8?: ModelSource };
  /**
   * A follow-up ("What else?" after "Describe it." and Tessera's answer) on the kept thread: what the kept cache
   * serves of the second turn: at least the first prompt, some of it, or `any` (the table says why).
   */
  followUp: { cachedTokens: 'firstPrompt' | 'some' | 'any' } | NotCompared;
  /** Two images in one message: the message content around them. */
  twoImages?: (a: ImagePart, b: ImagePart) => ChatMessage['content'];
  /** A text-only conversation. */
  textOnly?: string;
}

const notCompared = (x: object): x is NotCompared => 'notCompared' in x;

export function describeOracleConformance(c: OracleConformance): void {
  const fx = useTestVlm(c.model, c.images as () => Record<Images, Promise<Uint8Array>>, c.timeout?.load);
  const oracle = useOracle(fx, { modelClass: c.modelClass, processor: c.processor }, c.timeout?.load);
  const ctx: OracleContext = { fx, oracle };
  const { feed } = c;
  const run: OracleRun =
    'run' in feed
      ? feed.run
      : (x, messages, images, options) => x.oracle.run(messages, images, { ...feed, ...options });
  const full = c.full ?? true;
  const pic = (bytes: Uint8Array) => image(bytes, c.detail);

  /** transformers.js on the conversation: its prompt ids must be Tessera's, and its checks hold. */
  async function reference(messages: ChatMessage[], images: Uint8Array[], model?: HfModel) {
    const r = await run(ctx, messages, images, { reference: model, detail: c.detail });
    expect(r.ours.ids).toEqual((c.tesseraIds ?? ((ids) => ids))(r.inputIds));
    c.check?.(r);
    return r;
  }

  /** Same ids, and Tessera's greedy tokens (on the thread, if given) are transformers.js's. */
  async function compare(messages: ChatMessage[], images: Uint8Array[], threadId?: string) {
    const r = await reference(messages, images);
    const result = await expectTesseraGreedy(fx.vlm, messages, r.generated, { threadId, full });
    return { result, run: r };
  }

  const q = c.question;
  it(`one image and a question: same prompt, input ids (${q.imageTokens} image tokens), same greedy tokens`, async () => {
    const { photo } = fx.images;
    const { run: r } = await compare([user(pic(photo), text(q.text ?? 'What is in this image?'))], [photo]);
    expect(r.prompt).toBe(q.prompt);
    const ids = (c.tesseraIds ?? ((x) => x))(r.inputIds);
    expect(ids.filter((id) => id === fx.vlm.parts.family.imageTokenId)).toHaveLength(q.imageTokens);
    q.inputs?.(r, ctx);
  });

  for (const dtype of ['q4', 'q8'] as const) {
    const source = c.quantized[dtype];
    if (source === undefined) continue;
    const title = `the ${dtype} (${dtype === 'q4' ? 'MatMulNBits' : 'dynamic int8 MatMulInteger, `_quantized`'}) variant`;
    if (notCompared(source)) {
      it.skip(`${title}: not compared — ${source.notCompared}`, () => {});
      continue;
    }
    it(
      title,
      async () => {
        const dir = await modelDir(source);
        const { photo } = fx.images;
        const messages = [user(pic(photo), text('Describe the picture.'))];
        const theirs = async (model: HfModel) => (await reference(messages, [photo], model)).generated;
        await expectQ4Agrees(dir, messages, theirs, { modelClass: c.modelClass, full, dtype });
      },
      c.timeout?.q4,
    );
  }

  const { followUp } = c;
  if (notCompared(followUp)) {
    it.skip(`a follow-up turn on the kept cache: not compared — ${followUp.notCompared}`, () => {});
  } else {
    it('a follow-up turn on the kept cache: the same answer as transformers.js on the whole conversation', async () => {
      const bytes = fx.images.followUp ?? fx.images.photo;
      const first = [user(pic(bytes), text('Describe it.'))];
      const on = async (m: ChatMessage[], t: string): Promise<GenerateResult> =>
        (await compare(m, [bytes], t)).result;
      const [turn1, turn2] = await compareFollowUp(first, on);
      if (followUp.cachedTokens === 'firstPrompt') {
        expect(turn2.stats.cachedTokens).toBeGreaterThanOrEqual(turn1.stats.promptTokens);
      } else if (followUp.cachedTokens === 'some') {
        expect(turn2.stats.cachedTokens).toBeGreaterThan(0);
      }
    });
  }

  const { twoImages } = c;
  if (twoImages) {
    it('two images of different sizes in one message: same ids and greedy tokens', async () => {
      const { photo, other } = fx.images;
      await compare([user(...twoImages(pic(photo), pic(other)))], [photo, other]);
    });
  }

  const { textOnly } = c;
  if (textOnly !== undefined) {
    it('text only: same ids and greedy tokens', async () => {
      await compare([user(text(textOnly))], []);
    });
  }
}

/**
 * The suite on the test models of these families from the table, or on every `shard.of`-th of them from
 * `shard.index`; a family listed as not compared shows its reason as a skipped test, never silently left out.
 */
export function describeOracleRegistry(
  table: Readonly<Record<string, readonly OracleConformance[] | NotCompared>>,
  families: readonly { name: string }[],
  shard: { index: number; of: number } = { index: 0, of: 1 },
): void {
  const models: OracleConformance[] = [];
  for (const family of families) {
    const entry = table[family.name];
    if (entry === undefined) continue;
    if (!notCompared(entry)) {
      models.push(...entry);
    } else if (shard.index === 0) {
      const reason = entry.notCompared;
      describe(family.name, () => it.skip(`no transformers.js oracle — ${reason}`, () => {}));
    }
  }
  const mine = models.filter((_, i) => i % shard.of === shard.index);
  describe.each(mine.map((c) => [c.label, c] as const))('%s against transformers.js', (_label, c) => {
    describeOracleConformance(c);
  });
}
