import { describe, expect, it } from 'vitest';
import { Sampler, argmax, seededRandom } from './sampling.ts';

const logits = () => Float32Array.from([1, 3, 2.5, -1, 0]);

describe('Sampler', () => {
  it('is greedy at temperature 0', () => {
    expect(new Sampler({}).next(logits(), [])).toBe(1);
    expect(argmax(Float32Array.from([-5, -2, -9]))).toBe(1);
  });

  it('reproduces draws with the same seed and varies across seeds', () => {
    const draw = (seed: number) => {
      const sampler = new Sampler({ temperature: 1.5, seed });
      return Array.from({ length: 40 }, () => sampler.next(logits(), []));
    };
    expect(draw(7)).toEqual(draw(7));
    expect(draw(7)).not.toEqual(draw(8));
  });

  it('top-k 1 always picks the best token', () => {
    const sampler = new Sampler({ temperature: 5, topK: 1, seed: 1 });
    for (let i = 0; i < 20; i++) expect(sampler.next(logits(), [])).toBe(1);
  });

  it('top-p keeps only the nucleus', () => {
    // Probabilities after softmax: id1 ≈ 0.55, id2 ≈ 0.33: top-p 0.5 leaves id1 alone.
    const sampler = new Sampler({ temperature: 1, topP: 0.5, seed: 3 });
    for (let i = 0; i < 20; i++) expect(sampler.next(logits(), [])).toBe(1);
  });

  it('min-p drops tokens far less likely than the best', () => {
    const sampler = new Sampler({ temperature: 1, minP: 0.5, seed: 4 });
    const seen = new Set(Array.from({ length: 200 }, () => sampler.next(logits(), [])));
    expect([...seen].sort()).toEqual([1, 2]);
  });

  it('repetition penalty pushes seen tokens down', () => {
    expect(new Sampler({ repetitionPenalty: 2 }).next(logits(), [1])).toBe(2);
    const negative = Float32Array.from([-1, -1.5]);
    expect(new Sampler({ repetitionPenalty: 2 }).next(negative, [0])).toBe(1);
  });

  it('frequency penalty subtracts penalty × count of each generated token', () => {
    // Greedy: id1 (3) first; then 3 − 0.4 = 2.6 still beats id2 (2.5); after two picks 3 − 0.8 = 2.2 loses.
    const sampler = new Sampler({ frequencyPenalty: 0.4 });
    expect([1, 2, 3].map(() => sampler.next(logits(), []))).toEqual([1, 1, 2]);
    const adjusted = logits();
    sampler.next(adjusted, []);
    // Counts now: id1 twice, id2 once.
    expect(Array.from(adjusted)).toEqual([1, 3 - 0.8, 2.5 - 0.4, -1, 0].map(Math.fround));
  });

  it('presence penalty subtracts once per token seen, whatever its count', () => {
    const sampler = new Sampler({ presencePenalty: 0.4 });
    // id1 (3 − 0.4 = 2.6) still wins the second time: presence does not grow with repeats.
    expect([1, 2, 3].map(() => sampler.next(logits(), []))).toEqual([1, 1, 1]);
    const adjusted = logits();
    sampler.next(adjusted, []);
    expect(Array.from(adjusted)).toEqual([1, 3 - 0.4, 2.5, -1, 0].map(Math.fround));
  });

  it('both penalties add up, count only generated tokens (not the prompt) and may be negative', () => {
    const sampler = new Sampler({ frequencyPenalty: 0.5, presencePenalty: 0.25 });
    expect(sampler.next(logits(), [2, 2, 2])).toBe(1); // The prompt's id2 is not penalised.
    const adjusted = logits();
    sampler.next(adjusted, []);
    expect(adjusted[1]).toBeCloseTo(3 - 0.5 - 0.25);
    const eager = new Sampler({ frequencyPenalty: -1 });
    const first = eager.next(Float32Array.from([2, 1.5]), []);
    expect(first).toBe(0);
    expect(eager.next(Float32Array.from([1.5, 2]), [])).toBe(0); // 1.5 + 1 beats 2.
  });

  it('seededRandom stays in [0, 1)', () => {
    const random = seededRandom(42);
    for (let i = 0; i < 1000; i++) {
      const r = random();
      expect(r).toBeGreaterThanOrEqual(0);
      expect(r).toBeLessThan(1);
    }
  });
});
