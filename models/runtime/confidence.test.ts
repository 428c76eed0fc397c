/** The sampler's record of each token's probability and alternatives (confidence shading, issue 18). */
import { describe, expect, it } from 'vitest';
import { Sampler, argmax, expNear, scanRow, seededRandom } from './sampling.ts';

/** Softmax the plain way, two passes, in float64. */
function softmax(logits: Float32Array): number[] {
  const max = Math.max(...logits);
  const exps = Array.from(logits, (v) => Math.exp(v - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

function choiceOf(sampler: Sampler) {
  if (!sampler.lastChoice) throw new Error('the sampler recorded no choice');
  return sampler.lastChoice;
}

function randomRow(length: number, seed: number, scale = 8): Float32Array {
  const random = seededRandom(seed);
  return Float32Array.from({ length }, () => (random() - 0.5) * scale);
}

describe('scanRow', () => {
  it('gives the softmax of the row in one pass: the probabilities of every id sum to 1', () => {
    const row = randomRow(5000, 1, 30);
    const scan = scanRow(row, 3);
    const expected = softmax(row);
    const ours = Array.from(row, (v) => Math.exp(v - scan.max) / scan.sum);
    expect(ours.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    for (const i of [0, 17, 4999]) expect(ours[i]).toBeCloseTo(expected[i] as number, 8);
    expect(scan.max).toBe(Math.max(...row));
  });

  it('keeps the top k likeliest first, ties going to the lower id as argmax does', () => {
    const row = Float32Array.from([0.5, 4, 2, 4, -1, 3, 2]);
    const scan = scanRow(row, 4);
    expect(Array.from(scan.topIds)).toEqual([1, 3, 5, 2]);
    expect(Array.from(scan.topLogits)).toEqual([4, 4, 3, 2]);
    expect(scan.topIds[0]).toBe(argmax(row));
  });

  it('skips masked (-Infinity) logits and marks the top slots a short row cannot fill', () => {
    const scan = scanRow(Float32Array.from([-Infinity, 1, -Infinity]), 3);
    expect(Array.from(scan.topIds)).toEqual([1, -1, -1]);
    expect(scan.sum).toBe(1);
  });
});

describe('Sampler with alternatives', () => {
  it('records nothing unless asked', () => {
    const sampler = new Sampler({});
    sampler.next(randomRow(100, 2), []);
    expect(sampler.lastChoice).toBeNull();
  });

  it('greedy: the chosen token is argmax with its softmax probability, then five others in order', () => {
    for (let seed = 0; seed < 20; seed++) {
      const row = randomRow(2000, seed);
      const probs = softmax(row);
      const sampler = new Sampler({}, 5);
      const id = sampler.next(row.slice(), []);
      expect(id).toBe(argmax(row));
      const choice = choiceOf(sampler);
      expect(choice.p).toBeCloseTo(probs[id] as number, 8);
      expect(choice.alternatives).toHaveLength(5);
      expect(choice.alternatives.map((a) => a.id)).not.toContain(id);
      const sorted = [...probs.keys()].sort((a, b) => (probs[b] as number) - (probs[a] as number));
      expect(choice.alternatives.map((a) => a.id)).toEqual(sorted.slice(1, 6));
      for (const a of choice.alternatives) expect(a.p).toBeCloseTo(probs[a.id] as number, 8);
      const total = choice.p + choice.alternatives.reduce((s, a) => s + a.p, 0);
      expect(total).toBeLessThanOrEqual(1 + 1e-9);
    }
  });

  it('greedy choices are the same with and without the record, ties included', () => {
    const rows = [
      Float32Array.from([1, 5, 5, 2]),
      ...Array.from({ length: 10 }, (_, i) => randomRow(300, i)),
    ];
    for (const row of rows) {
      expect(new Sampler({}, 5).next(row.slice(), [])).toBe(new Sampler({}).next(row.slice(), []));
    }
  });

  it("gives the model's own probability, before penalties, for a token the penalty did not stop", () => {
    const row = Float32Array.from([3, 2.9, 0, -1, -2, -3, -4]);
    const probs = softmax(row);
    const sampler = new Sampler({ repetitionPenalty: 2 }, 5);
    // Token 0 was seen: its logit halves to 1.5 and token 1 wins, with the probability the model gave it.
    expect(sampler.next(row.slice(), [0])).toBe(1);
    expect(choiceOf(sampler).p).toBeCloseTo(probs[1] as number, 6);
    expect(choiceOf(sampler).alternatives[0]).toEqual({ id: 0, p: expect.closeTo(probs[0] as number, 6) });
  });

  it('reports the probability at temperature 1, whatever temperature the draw used', () => {
    const row = Float32Array.from([2, 1, 0.5]);
    const probs = softmax(row);
    const sampler = new Sampler({ temperature: 3, seed: 9 }, 2);
    for (let i = 0; i < 30; i++) {
      const id = sampler.next(row.slice(), []);
      expect(choiceOf(sampler).p).toBeCloseTo(probs[id] as number, 6);
      expect(choiceOf(sampler).alternatives).toHaveLength(2);
    }
  });
});

describe('expNear', () => {
  it('stays within 2e-6 of Math.exp over (-20, 0]', () => {
    for (let x = 0; x > -20; x -= 0.0037) expect(Math.abs(expNear(x) / Math.exp(x) - 1)).toBeLessThan(2e-6);
  });
});
