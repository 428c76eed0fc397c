/**
 * Int8 activations for the decoder's 4-bit weights (int8-activations.ts) change the arithmetic, so the q4
 * oracle tests run the float path; this pins how far the int8 path's logits may move from it, on a generated
 * SmolVLM decoder with an image in the prompt, and that it is switched on by default on the CPU.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maxAbsDiff } from '../testing/tensors.ts';
import { noiseImage } from '../testing/images.ts';
import { promptEmbeds } from '../testing/kv-invariants.ts';
import { testModelDir } from '../testing/test-models.ts';
import { DecoderStepper } from './generate.ts';
import { INT8_ACCURACY_LEVEL, useInt8Activations } from './int8-activations.ts';
import { KvCache } from './kv-cache.ts';
import { Vlm } from './vlm.ts';

const { onnx } = onnxProto;
/** Largest logit difference allowed, as a share of the float path's logit range. */
const TOLERANCE = 0.02;

let dir: string;
let int8: Vlm;
let float: Vlm;

beforeAll(async () => {
  dir = await testModelDir({ family: 'smolvlm', size: 'tiny', dtype: 'q4', seed: 5 });
  int8 = await Vlm.load(dir, { device: 'cpu', dtype: 'q4' });
  float = await Vlm.load(dir, { device: 'cpu', dtype: 'q4', int8Activations: false });
});

afterAll(async () => {
  await int8?.dispose();
  await float?.dispose();
});

describe('int8 activations for 4-bit weights', () => {
  it('sets accuracy_level 4 on every MatMulNBits left at 0, and leaves a chosen level alone', () => {
    const model = onnx.ModelProto.decode(readFileSync(join(dir, 'onnx', 'decoder_model_merged_q4.onnx')));
    const nodes = (model.graph?.node ?? []).filter((n) => n.opType === 'MatMulNBits');
    expect(nodes.length).toBeGreaterThan(0);
    const first = nodes[0];
    if (!first) throw new Error('no MatMulNBits');
    first.attribute = [
      ...(first.attribute ?? []),
      new onnx.AttributeProto({ name: 'accuracy_level', type: onnx.AttributeProto.AttributeType.INT, i: 1 }),
    ];
    expect(useInt8Activations(model)).toBe(nodes.length - 1);
    const levels = nodes.map((n) => Number(n.attribute?.find((a) => a.name === 'accuracy_level')?.i));
    expect(levels).toEqual([1, ...Array<number>(nodes.length - 1).fill(INT8_ACCURACY_LEVEL)]);
  });

  it(`keeps the logits within ${TOLERANCE * 100} % of their range of the float path`, async () => {
    const photo = await noiseImage(200, 150, 6);
    const messages = [
      {
        role: 'user' as const,
        content: [
          { type: 'image' as const, data: photo },
          { type: 'text' as const, text: 'What does this error mean?' },
        ],
      },
    ];
    const logits = async (vlm: Vlm) => {
      const { ids, embeds } = await promptEmbeds(vlm, messages);
      const session = vlm.parts.decoder.session;
      const stepper = new DecoderStepper(session, KvCache.empty(session));
      const out = await stepper.feed(ids, embeds);
      stepper.cache.dispose();
      return out;
    };
    const [a, b] = [await logits(int8), await logits(float)];
    let min = Infinity;
    let max = -Infinity;
    for (const v of b) [min, max] = [Math.min(min, v), Math.max(max, v)];
    const diff = maxAbsDiff(a, b);
    expect(diff).toBeGreaterThan(0); // the int8 path is really taken
    expect(diff / (max - min)).toBeLessThan(TOLERANCE);
  });
});
