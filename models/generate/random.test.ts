import { describe, expect, it } from 'vitest';
import { Rng, deriveSeed } from './random.ts';

describe('Rng', () => {
  it('gives the same sequence for the same seed and a different one for another seed', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const c = new Rng(43);
    const seqA = Array.from({ length: 8 }, () => a.nextU32());
    expect(Array.from({ length: 8 }, () => b.nextU32())).toEqual(seqA);
    expect(Array.from({ length: 8 }, () => c.nextU32())).not.toEqual(seqA);
  });

  it('is pinned to known values, so weights do not change silently between versions', () => {
    const rng = new Rng(1);
    expect(Array.from({ length: 3 }, () => rng.nextU32())).toEqual([2442144158, 3238099751, 3819917871]);
  });

  it('draws uniforms in [0, 1) and integers in range', () => {
    const rng = new Rng(7);
    const uniforms = Array.from({ length: 10_000 }, () => rng.uniform());
    expect(Math.min(...uniforms)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...uniforms)).toBeLessThan(1);
    const counts = [0, 0, 0, 0, 0];
    for (let i = 0; i < 10_000; i++) {
      const bucket = rng.int(5);
      counts[bucket] = (counts[bucket] ?? 0) + 1;
    }
    expect(counts.reduce((a, b) => a + b)).toBe(10_000);
    for (const c of counts) expect(Math.abs(c - 2000)).toBeLessThan(200);
  });

  it('draws normals with the requested mean and standard deviation', () => {
    const values = new Rng(3).fillNormal(new Float32Array(200_000), 2, 0.5);
    const mean = values.reduce((s, v) => s + v, 0) / values.length;
    const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / values.length;
    expect(mean).toBeCloseTo(0.5, 1);
    expect(Math.sqrt(variance)).toBeCloseTo(2, 1);
    expect(values.every(Number.isFinite)).toBe(true);
  });
});

describe('deriveSeed', () => {
  it('separates streams by label and by seed', () => {
    expect(deriveSeed(1, 'a.weight')).toBe(deriveSeed(1, 'a.weight'));
    expect(deriveSeed(1, 'a.weight')).not.toBe(deriveSeed(1, 'b.weight'));
    expect(deriveSeed(1, 'a.weight')).not.toBe(deriveSeed(2, 'a.weight'));
  });
});
