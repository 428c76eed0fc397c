/**
 * The invariants every generated Llama decoder must hold, as a vitest suite a family's test file runs on its own
 * model: every input changes the logits (token, position, mask, past), the KV cache changes nothing (prefill
 * N−1 then 1 = one N-token pass; left padding in a batch), causality, and silenced tokens.
 */
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import type { LlamaDims } from '../generate/llama.ts';

export interface DecoderSuiteOptions {
  /** Shown in the describe title, e.g. "SmolVLM". */
  label: string;
  /** The generated model folder. */
  dir: () => Promise<string>;
  dims: LlamaDims;
  /** Ids whose lm_head column the generator zeroed. */
  silentIds: readonly number[];
}

export function describeLlamaDecoder(options: DecoderSuiteOptions): void {
  const { hidden: H, layers: L, kvHeads: KV, headDim: HD, vocabSize: V } = options.dims;
  let embedSession: ort.InferenceSession;
  let decoder: ort.InferenceSession;

  beforeAll(async () => {
    const dir = await options.dir();
    embedSession = await ort.InferenceSession.create(join(dir, 'onnx', 'embed_tokens.onnx'));
    decoder = await ort.InferenceSession.create(join(dir, 'onnx', 'decoder_model_merged.onnx'));
  });

  type Past = Record<string, ort.Tensor>;

  const int64 = (values: number[], shape: number[]) =>
    new ort.Tensor('int64', BigInt64Array.from(values.map(BigInt)), shape);

  async function embed(ids: number[][]): Promise<ort.Tensor> {
    const out = await embedSession.run({
      input_ids: int64(ids.flat(), [ids.length, ids.flat().length / ids.length]),
    });
    return out['inputs_embeds'] as ort.Tensor;
  }

  function emptyPast(batch: number): Past {
    const past: Past = {};
    for (let i = 0; i < L; i++) {
      for (const kind of ['key', 'value']) {
        past[`past_key_values.${i}.${kind}`] = new ort.Tensor('float32', new Float32Array(0), [
          batch,
          KV,
          0,
          HD,
        ]);
      }
    }
    return past;
  }

  /** presents → the next step's past, as transformers.js renames them. */
  function asPast(out: ort.InferenceSession.ReturnType): Past {
    const past: Past = {};
    for (const [name, value] of Object.entries(out)) {
      if (name.startsWith('present.'))
        past[name.replace('present.', 'past_key_values.')] = value as ort.Tensor;
    }
    return past;
  }

  interface Step {
    embeds: ort.Tensor;
    mask: number[][];
    positions: number[][];
    past?: Past;
  }

  async function decode({ embeds, mask, positions, past }: Step) {
    const batch = embeds.dims[0] as number;
    return decoder.run({
      inputs_embeds: embeds,
      attention_mask: int64(mask.flat(), [batch, mask.flat().length / batch]),
      position_ids: int64(positions.flat(), [batch, positions.flat().length / batch]),
      ...(past ?? emptyPast(batch)),
    });
  }

  const logitsOf = (out: ort.InferenceSession.ReturnType) =>
    (out['logits'] as ort.Tensor).data as Float32Array;

  /** Logits [V] of row b, token t, of a [B, S, V] result. */
  function tokenLogits(out: ort.InferenceSession.ReturnType, b: number, t: number): Float32Array {
    const logits = out['logits'] as ort.Tensor;
    const S = logits.dims[1] as number;
    return logitsOf(out).slice((b * S + t) * V, (b * S + t + 1) * V);
  }

  function maxAbsDiff(a: Float32Array, b: Float32Array): number {
    expect(a.length).toBe(b.length);
    let m = 0;
    for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
    return m;
  }

  // Ordinary ids in every generated vocabulary (≥ 400 ids, specials at the ends); 2 only as masked padding.
  const TOKENS = [17, 301, 45, 200, 99, 7, 350];
  const IDS = [TOKENS];
  const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
  const ones = (n: number) => new Array<number>(n).fill(1);

  describe(`generated ${options.label} embed_tokens + decoder`, () => {
    it('embeds ids at unit scale and returns logits, presents and finite numbers', async () => {
      const embeds = await embed(IDS);
      expect(embeds.dims).toEqual([1, 7, H]);
      const out = await decode({ embeds, mask: [ones(7)], positions: [range(0, 7)] });
      expect(out['logits']?.dims).toEqual([1, 7, V]);
      expect(out['present.0.key']?.dims).toEqual([1, KV, 7, HD]);
      expect(out[`present.${L - 1}.value`]?.dims).toEqual([1, KV, 7, HD]);
      const logits = logitsOf(out);
      expect(logits.every(Number.isFinite)).toBe(true);
      const std = Math.sqrt(logits.reduce((s, v) => s + v * v, 0) / logits.length);
      expect(std).toBeGreaterThan(0.3);
      expect(std).toBeLessThan(10);
    });

    describe('every input matters', () => {
      let embeds: ort.Tensor;
      let base: Float32Array;
      beforeAll(async () => {
        embeds = await embed(IDS);
        base = logitsOf(await decode({ embeds, mask: [ones(7)], positions: [range(0, 7)] }));
      });

      it('input_ids (through embed_tokens)', async () => {
        const changed = await embed([[17, 301, 45, 201, 99, 7, 350]]);
        const after = logitsOf(await decode({ embeds: changed, mask: [ones(7)], positions: [range(0, 7)] }));
        expect(maxAbsDiff(base, after)).toBeGreaterThan(1e-3);
      });

      it('position_ids', async () => {
        const positions = [[0, 1, 2, 3, 4, 5, 9]];
        const after = logitsOf(await decode({ embeds, mask: [ones(7)], positions }));
        expect(maxAbsDiff(base, after)).toBeGreaterThan(1e-3);
      });

      it('attention_mask (a zero masks that key for later queries)', async () => {
        const after = logitsOf(
          await decode({ embeds, mask: [[1, 1, 0, 1, 1, 1, 1]], positions: [range(0, 7)] }),
        );
        expect(maxAbsDiff(base, after)).toBeGreaterThan(1e-3);
        // Queries before the masked key cannot see it anyway: their logits do not move.
        expect(maxAbsDiff(base.slice(0, 2 * V), after.slice(0, 2 * V))).toBeLessThan(1e-5);
      });

      it('past_key_values', async () => {
        const prefix = await decode({
          embeds: await embed([[5, 6, 8]]),
          mask: [ones(3)],
          positions: [range(0, 3)],
        });
        const after = logitsOf(
          await decode({ embeds, mask: [ones(10)], positions: [range(3, 10)], past: asPast(prefix) }),
        );
        expect(maxAbsDiff(base, after)).toBeGreaterThan(1e-3);
      });

      it('is causal: a later token does not change earlier logits', async () => {
        const changed = await embed([[17, 301, 45, 200, 99, 7, 351]]);
        const after = logitsOf(await decode({ embeds: changed, mask: [ones(7)], positions: [range(0, 7)] }));
        expect(maxAbsDiff(base.slice(0, 6 * V), after.slice(0, 6 * V))).toBeLessThan(1e-5);
      });
    });

    it('KV cache: prefill N−1 then 1 token equals one N-token pass', async () => {
      const n = TOKENS.length;
      const full = await decode({ embeds: await embed(IDS), mask: [ones(n)], positions: [range(0, n)] });
      const prefill = await decode({
        embeds: await embed([TOKENS.slice(0, n - 1)]),
        mask: [ones(n - 1)],
        positions: [range(0, n - 1)],
      });
      const step = await decode({
        embeds: await embed([TOKENS.slice(n - 1)]),
        mask: [ones(n)],
        positions: [[n - 1]],
        past: asPast(prefill),
      });
      expect(maxAbsDiff(tokenLogits(full, 0, n - 1), tokenLogits(step, 0, 0))).toBeLessThan(1e-4);
      for (let i = 0; i < L; i++) {
        for (const kind of ['key', 'value']) {
          const name = `present.${i}.${kind}`;
          expect(maxAbsDiff(full[name]?.data as Float32Array, step[name]?.data as Float32Array)).toBeLessThan(
            1e-4,
          );
        }
      }
    });

    it('KV cache with left padding in a batch of two', async () => {
      // Row 0: 6 real tokens. Row 1: 2 pads then 4 real tokens; positions follow transformers.js (cumsum − 1, pads 1).
      const ids = [
        [11, 12, 13, 14, 15, 16],
        [2, 2, 21, 22, 23, 24],
      ];
      const mask = [ones(6), [0, 0, 1, 1, 1, 1]];
      const positions = [range(0, 6), [1, 1, 0, 1, 2, 3]];
      const full = await decode({ embeds: await embed(ids), mask, positions });
      const prefill = await decode({
        embeds: await embed(ids.map((r) => r.slice(0, 5))),
        mask: mask.map((r) => r.slice(0, 5)),
        positions: positions.map((r) => r.slice(0, 5)),
      });
      const step = await decode({
        embeds: await embed(ids.map((r) => r.slice(5))),
        mask,
        positions: positions.map((r) => r.slice(5)),
        past: asPast(prefill),
      });
      for (const b of [0, 1])
        expect(maxAbsDiff(tokenLogits(full, b, 5), tokenLogits(step, b, 0))).toBeLessThan(1e-4);

      // Left padding is invisible: row 1 gives the same logits as its real tokens alone.
      const alone = await decode({
        embeds: await embed([[21, 22, 23, 24]]),
        mask: [ones(4)],
        positions: [range(0, 4)],
      });
      expect(maxAbsDiff(tokenLogits(full, 1, 5), tokenLogits(alone, 0, 3))).toBeLessThan(1e-4);
    });

    it('never prefers silenced tokens: their lm_head columns are zero', async () => {
      const out = await decode({ embeds: await embed(IDS), mask: [ones(7)], positions: [range(0, 7)] });
      const logits = tokenLogits(out, 0, 6);
      for (const id of options.silentIds) expect(logits[id]).toBe(0);
      expect(logits.filter((v) => v !== 0).length).toBe(V - new Set(options.silentIds).size);
    });
  });
}
