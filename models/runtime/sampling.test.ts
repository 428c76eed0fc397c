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

  it('seededRandom stays in [0, 1)', () => {
    const random = seededRandom(42);
    for (let i = 0; i < 1000; i++) {
      const r = random();
      expect(r).toBeGreaterThanOrEqual(0);
      expect(r).toBeLessThan(1);
    }
  });
});
