/**
 * Oracle: transformers.js (an independent implementation: Phi3VProcessor, Phi3VImageProcessor, Phi3VForCausalLM
 * running vision_encoder → prepare_inputs_embeds → model) loads the same generated Phi-3.5-vision folder. Its
 * processor must give Tessera's input ids (its image tokens negated) and, where the two HD transforms agree,
 * Tessera's pixel tensor; its greedy generation must give Tessera's token ids — with its own pixels on a square
 * image, with Tessera's pixels where transformers.js departs from Python (plan/preprocess tests) — for one image,
 * a follow-up on the kept cache, text only, and the q4 variant.
 */
import { Phi3VForCausalLM, type Tensor } from '@huggingface/transformers';
import { describe, expect, it } from 'vitest';
import type { ChatMessage } from '../../../app/chat.ts';
import { noiseImage } from '../../testing/images.ts';
import { testModelDir } from '../../testing/test-models.ts';
import {
  type HfModel,
  compareFollowUp,
  expectQ4Agrees,
  expectTesseraGreedy,
  hfTensor,
  idsOf,
  useOracle,
} from '../../testing/transformers-oracle.ts';
import { image, text, useTestVlm, user } from '../../testing/vlm-fixture.ts';

const fx = useTestVlm(
  { family: 'phi3-v' },
  () => ({
    square: noiseImage(672, 672, 21), // HD size = its own size: both processors agree
    wide: noiseImage(500, 300, 22),
  }),
  120_000,
);
const oracle = useOracle(fx, { modelClass: Phi3VForCausalLM }, 120_000);

/**
 * The conversation through transformers.js: its chat template rendering, `<|image|>` written as the model card's
 * `<|image_1|>` (the pattern Phi3VProcessor expands), its processor, and greedy generate() — on its own pixels
 * or on Tessera's.
 */
function transformersRun(
  messages: ChatMessage[],
  bytes: Uint8Array | undefined,
  pixels: 'theirs' | 'ours',
  reference?: HfModel,
) {
  return oracle.run(messages, bytes ? [bytes] : [], {
    prompt: (rendered) => rendered.replace('<|image|>', '<|image_1|>'),
    feeds: (ours): Record<string, Tensor> =>
      pixels === 'ours' && ours[0]
        ? { pixel_values: hfTensor(ours[0].pixel_values), image_sizes: hfTensor(ours[0].image_sizes) }
        : {},
    reference,
  });
}

async function compare(
  messages: ChatMessage[],
  bytes: Uint8Array | undefined,
  pixels: 'theirs' | 'ours',
  threadId?: string,
) {
  const reference = await transformersRun(messages, bytes, pixels);
  // transformers.js negates the image token ids; Tessera keeps them and scatters the features itself.
  expect(reference.ours.ids).toEqual(reference.inputIds.map(Math.abs));
  const result = await expectTesseraGreedy(fx.vlm, messages, reference.generated, { threadId });
  return { result, reference };
}

describe('Phi-3.5-vision against transformers.js', () => {
  it('square image, each side its own processor: same ids (757 negated image tokens), same 24 greedy tokens', async () => {
    const { square } = fx.images;
    const { reference } = await compare(
      [user(image(square), text('What is in this image?'))],
      square,
      'theirs',
    );
    expect(reference.prompt).toBe('<s><|user|>\n<|image_1|>\nWhat is in this image?<|end|>\n<|assistant|>\n');
    const imageId = fx.vlm.parts.family.imageTokenId;
    expect(reference.inputIds.filter((id) => id === -imageId)).toHaveLength(757);
    expect(idsOf(reference.inputs.image_sizes)).toEqual([672, 672]);
    expect(reference.inputs.num_img_tokens).toEqual([757]);
    expect(reference.inputs.pixel_values.dims).toEqual([1, 5, 3, 336, 336]);
  }, 120_000);

  it('a 500×300 image fed Tessera’s (Python-order) pixels: same greedy tokens', async () => {
    const { wide } = fx.images;
    await compare([user(image(wide), text('Describe the picture.'))], wide, 'ours');
  }, 120_000);

  it('a follow-up turn on the kept cache', async () => {
    const { wide } = fx.images;
    const first = [user(image(wide), text('Describe it.'))];
    const [turn1, turn2] = await compareFollowUp(
      first,
      async (m, t) => (await compare(m, wide, 'ours', t)).result,
    );
    expect(turn2.stats.cachedTokens).toBeGreaterThanOrEqual(turn1.stats.promptTokens);
  }, 120_000);

  it('text only: transformers.js feeds an empty image_features, Tessera the same', async () => {
    await compare([user(text('Tell me a story about a lighthouse.'))], undefined, 'theirs');
  }, 120_000);

  it('the q4 (MatMulNBits) variant', async () => {
    const q4Dir = await testModelDir({ family: 'phi3-v', dtype: 'q4' });
    const { square } = fx.images;
    const messages = [user(image(square), text('Describe the picture.'))];
    const theirs = async (reference: HfModel) =>
      (await transformersRun(messages, square, 'theirs', reference)).generated;
    await expectQ4Agrees(q4Dir, messages, theirs, { modelClass: Phi3VForCausalLM });
  }, 180_000);
});
