/**
 * The generated LFM2-VL graphs compute like the real ones in the ways the runtime relies on: every input of the
 * vision encoder and of the hybrid decoder changes the output (padding rows excepted), views are encoded on
 * their own, a conv state carries exactly the last L_cache inputs, and the JSON files agree with the dimensions.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { int64, tensorDiff } from '../../../testing/tensors.ts';
import { testModelDir } from '../../../testing/test-models.ts';
import { lfm2VlDims } from './generate-dims.ts';
import { lfm2VlJsonFiles, lfm2VlTokenizer, tileMarkers } from './generate.ts';

const dims = lfm2VlDims('tiny');
const { hidden: H, vocabSize: V, convCache: L } = dims.text;
const P = dims.geometry.maxNumPatches;
const ROW = 3 * dims.vision.patchSize ** 2;

let dir: string;
let vision: ort.InferenceSession;
let decoder: ort.InferenceSession;

beforeAll(async () => {
  dir = await testModelDir({ family: 'lfm2-vl' });
  vision = await ort.InferenceSession.create(join(dir, 'onnx', 'vision_encoder.onnx'));
  decoder = await ort.InferenceSession.create(join(dir, 'onnx', 'decoder_model_merged.onnx'));
});

/** Views of the given patch grids, seeded pixel rows, padding rows filled with `pad`. */
function views(grids: Array<[number, number]>, pad = 0) {
  const values = new Float32Array(grids.length * P * ROW).fill(pad);
  const mask: number[] = [];
  grids.forEach(([h, w], t) => {
    for (let k = 0; k < P; k++) mask.push(k < h * w ? 1 : 0);
    for (let k = 0; k < h * w * ROW; k++) values[t * P * ROW + k] = Math.sin(t * 7 + k * 0.37);
  });
  return { values, mask, shapes: grids.flat() };
}

async function encode(input: ReturnType<typeof views>) {
  const T = input.shapes.length / 2;
  const out = await vision.run({
    pixel_values: new ort.Tensor('float32', input.values, [T, P, ROW]),
    pixel_attention_mask: int64(input.mask, [T, P]),
    spatial_shapes: int64(input.shapes, [T, 2]),
  });
  return out.image_features as ort.Tensor;
}

describe('generated LFM2-VL vision encoder', () => {
  it('returns (rows/2)·(cols/2) feature rows per view at the text hidden size, no padding rows', async () => {
    const features = await encode(
      views([
        [8, 8],
        [6, 10],
        [4, 4],
      ]),
    );
    expect(features.dims).toEqual([16 + 15 + 4, H]);
    const values = features.data as Float32Array;
    expect(values.every(Number.isFinite)).toBe(true);
  });

  it('depends on every input: a pixel of the first or last real patch, the mask, the spatial shapes', async () => {
    const base = views([[6, 10]]);
    const reference = await encode(base);
    for (const at of [0, (6 * 10 - 1) * ROW + ROW - 1]) {
      const changed = views([[6, 10]]);
      changed.values[at] = (changed.values[at] as number) + 1;
      expect(tensorDiff(reference, await encode(changed))).toBeGreaterThan(1e-3);
    }
    const masked = views([[6, 10]]);
    masked.mask[5] = 0; // one patch hidden from attention
    expect(tensorDiff(reference, await encode(masked))).toBeGreaterThan(1e-3);
    // The same 60 patch rows read as a 10×6 grid: other positions and other 2×2 blocks.
    const transposed = { ...base, shapes: [10, 6] };
    expect(tensorDiff(reference, await encode(transposed))).toBeGreaterThan(1e-3);
  });

  it('ignores what padding rows hold, and encodes each view on its own', async () => {
    const reference = await encode(views([[6, 10]]));
    expect(tensorDiff(reference, await encode(views([[6, 10]], 5)))).toBe(0);
    const batch = await encode(
      views([
        [6, 10],
        [8, 8],
      ]),
    );
    const first = new ort.Tensor('float32', (batch.data as Float32Array).slice(0, 15 * H), [15, H]);
    expect(tensorDiff(reference, first)).toBeLessThan(1e-5);
  });
});

describe('generated LFM2-VL hybrid decoder', () => {
  const types = dims.text.layerTypes;
  function emptyPast(): Record<string, ort.Tensor> {
    const past: Record<string, ort.Tensor> = {};
    types.forEach((type, i) => {
      if (type === 'conv')
        past[`past_conv.${i}`] = new ort.Tensor('float32', new Float32Array(H * L), [1, H, L]);
      else
        for (const kind of ['key', 'value'])
          past[`past_key_values.${i}.${kind}`] = new ort.Tensor(
            'float32',
            new Float32Array(0),
            [1, 2, 0, 16],
          );
    });
    return past;
  }
  const embeds = (n: number, seed = 0) =>
    new ort.Tensor(
      'float32',
      Float32Array.from({ length: n * H }, (_, k) => Math.cos(seed + k * 0.11)),
      [1, n, H],
    );
  async function step(
    input: ort.Tensor,
    past: Record<string, ort.Tensor>,
    start: number,
    mask?: number[],
    firstPosition = start,
  ) {
    const n = input.dims[1] as number;
    const out = await decoder.run({
      inputs_embeds: input,
      attention_mask: int64(mask ?? Array(start + n).fill(1), [1, start + n]),
      position_ids: int64(
        Array.from({ length: n }, (_, i) => firstPosition + i),
        [1, n],
      ),
      ...past,
    });
    const next: Record<string, ort.Tensor> = {};
    for (const [name, t] of Object.entries(out)) {
      if (name.startsWith('present_conv.')) next[name.replace('present_conv.', 'past_conv.')] = t;
      else if (name.startsWith('present.')) next[name.replace('present.', 'past_key_values.')] = t;
    }
    const logits = out.logits as ort.Tensor;
    const last = new ort.Tensor('float32', (logits.data as Float32Array).slice(-V), [V]);
    return { logits: last, past: next };
  }

  it('declares the export names: conv states for conv layers, keys/values for attention layers', () => {
    expect(decoder.inputNames).toEqual([
      'inputs_embeds',
      'attention_mask',
      'position_ids',
      'past_conv.0',
      'past_key_values.1.key',
      'past_key_values.1.value',
      'past_conv.2',
      'past_key_values.3.key',
      'past_key_values.3.value',
    ]);
    expect(decoder.outputNames).toContain('present_conv.0');
    expect(decoder.outputNames).toContain('present.3.value');
  });

  it('the conv state is the last L_cache inputs: fed in pieces = fed at once, for every split', async () => {
    const whole = await step(embeds(7), emptyPast(), 0);
    for (const head of [1, 2, 3, 6]) {
      const first = await step(
        new ort.Tensor('float32', (embeds(7).data as Float32Array).slice(0, head * H), [1, head, H]),
        emptyPast(),
        0,
      );
      const rest = new ort.Tensor('float32', (embeds(7).data as Float32Array).slice(head * H), [
        1,
        7 - head,
        H,
      ]);
      const second = await step(rest, first.past, head);
      expect(tensorDiff(whole.logits, second.logits)).toBeLessThan(1e-4);
      expect(
        tensorDiff(whole.past['past_conv.2'] as ort.Tensor, second.past['past_conv.2'] as ort.Tensor),
      ).toBeLessThan(1e-5);
    }
    expect(whole.past['past_conv.0']?.dims).toEqual([1, H, L]);
  });

  it('every input changes the logits: the embeddings, positions, mask, a conv state, a key cache', async () => {
    const prefix = await step(embeds(4), emptyPast(), 0);
    const reference = await step(embeds(1, 9), prefix.past, 4);
    const differs = async (changed: Promise<{ logits: ort.Tensor }>) =>
      expect(tensorDiff(reference.logits, (await changed).logits)).toBeGreaterThan(1e-4);
    await differs(step(embeds(1, 10), prefix.past, 4));
    await differs(step(embeds(1, 9), prefix.past, 4, undefined, 5));
    await differs(step(embeds(1, 9), prefix.past, 4, [0, 1, 1, 1, 1]));
    for (const name of ['past_conv.0', 'past_conv.2', 'past_key_values.1.key', 'past_key_values.3.value']) {
      const tensor = prefix.past[name] as ort.Tensor;
      const data = Float32Array.from(tensor.data as Float32Array);
      data[data.length - 1] = (data[data.length - 1] as number) + 1;
      await differs(
        step(embeds(1, 9), { ...prefix.past, [name]: new ort.Tensor('float32', data, tensor.dims) }, 4),
      );
    }
  });
});

describe('generated LFM2-VL files', () => {
  it('agree with the dimensions and the tokenizer', () => {
    const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    const tokenizer = JSON.parse(readFileSync(join(dir, 'tokenizer.json'), 'utf8'));
    const ids = new Map<string, number>(
      tokenizer.added_tokens.map((t: { content: string; id: number }) => [t.content, t.id]),
    );
    expect(config.image_token_id).toBe(ids.get('<image>'));
    expect(config.text_config.layer_types).toEqual(['conv', 'full_attention', 'conv', 'full_attention']);
    expect(config.text_config.full_attn_idxs).toEqual([1, 3]);
    for (const marker of tileMarkers(4)) expect(ids.has(marker)).toBe(true);
    expect(tileMarkers(4)).toHaveLength(8);
    const pre = JSON.parse(readFileSync(join(dir, 'preprocessor_config.json'), 'utf8'));
    expect(pre).toMatchObject({ encoder_patch_size: 8, tile_size: 64, max_num_patches: P, max_tiles: 4 });
  });

  it('realistic keeps LFM2-VL-450M geometry: 16-px patches, 512-px tiles, 1024 rows, 65 536 ids (no weights)', () => {
    const real = lfm2VlDims('realistic');
    expect(real.geometry).toMatchObject({
      tileSize: 512,
      maxNumPatches: 1024,
      minImageTokens: 64,
      maxImageTokens: 256,
    });
    expect(real.vision.patchSize).toBe(16);
    expect(real.text.vocabSize).toBe(65536);
    expect(real.text.layerTypes.filter((t) => t === 'full_attention')).toHaveLength(3);
    const files = lfm2VlJsonFiles(real, lfm2VlTokenizer(lfm2VlDims('tiny'), 1), { externalData: true });
    expect((files['config.json'] as Record<string, unknown>)['transformers.js_config']).toEqual({
      use_external_data_format: true,
    });
    expect(lfm2VlDims('tiny', { contextLength: 64 }).text.maxPositions).toBe(64);
  });
});
