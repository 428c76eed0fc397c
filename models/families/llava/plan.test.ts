import { describe, expect, it } from 'vitest';
import type { TilePlan } from '../../../app/tile-plan.ts';
import type { ModelJson } from '../family.ts';
import { readLlavaConfig } from './config.ts';
import { llavaGeometry, planLlava, resizedSize } from './plan.ts';
import { llava15 } from './testing.ts';

const plan = (width: number, height: number, detail: 'low' | 'high' = 'high', json: ModelJson = llava15()) =>
  planLlava(readLlavaConfig(json), { width, height }, detail);

const view = (p: TilePlan) => p.tiles[0];

describe('LLaVA-1.5 tile plan (vlm-formats §2)', () => {
  it('336 px in patches of 14: one 336×336 view of 576 tokens, no markers, no global view', () => {
    const p = plan(640, 480);
    expect(p).toEqual({
      family: 'llava',
      detail: 'high',
      original: { width: 640, height: 480 },
      resized: { width: 448, height: 336 },
      grid: { rows: 1, cols: 1, unit: 'tiles' },
      // The center crop of the 448×336 resize is x 56…392: x 80…560 of the original.
      tiles: [{ x: 80, y: 0, width: 480, height: 480, inputWidth: 336, inputHeight: 336, tokens: 576 }],
      global: null,
      imageTokens: 576,
      promptTokens: 576,
    });
  });

  it('has no detail choice: low and high are the same view', () => {
    for (const [w, h] of [
      [640, 480],
      [1920, 1080],
      [100, 900],
    ] as const) {
      const { detail: low, ...restLow } = plan(w, h, 'low');
      const { detail: high, ...restHigh } = plan(w, h, 'high');
      expect([low, high]).toEqual(['low', 'high']);
      expect(restLow).toEqual(restHigh);
    }
  });

  it('portrait: the crop is vertical; a square is resized whole and not cropped', () => {
    expect(view(plan(480, 640))).toMatchObject({ x: 0, y: 80, width: 480, height: 480 });
    const square = plan(224, 224);
    expect(square.resized).toEqual({ width: 336, height: 336 });
    expect(view(square)).toMatchObject({ x: 0, y: 0, width: 224, height: 224 });
  });

  it('a short side already at 336 is not resized, only cropped: (500 − 336) // 2 = 82', () => {
    const p = plan(336, 500);
    expect(p.resized).toEqual({ width: 336, height: 500 });
    expect(view(p)).toMatchObject({ x: 0, y: 82, width: 336, height: 336 });
    expect(view(plan(501, 336))).toMatchObject({ x: 82, y: 0, width: 336, height: 336 }); // 82.5 floors
  });

  it("resizes like Python's get_resize_output_image_size: int(336 · long / short)", () => {
    expect(resizedSize({ width: 1920, height: 1080 }, { shortestEdge: 336 })).toEqual({
      width: 597,
      height: 336,
    });
    expect(resizedSize({ width: 1080, height: 1920 }, { shortestEdge: 336 })).toEqual({
      width: 336,
      height: 597,
    });
    // 336 · 374 / 205 = 612.995…: int() gives 612 (transformers.js rounds to 613, parity.test.ts).
    expect(resizedSize({ width: 205, height: 374 }, { shortestEdge: 336 })).toEqual({
      width: 336,
      height: 612,
    });
    expect(resizedSize({ width: 1, height: 1 }, { shortestEdge: 336 })).toEqual({ width: 336, height: 336 });
    expect(resizedSize({ width: 20, height: 10 }, { width: 336, height: 336 })).toEqual({
      width: 336,
      height: 336,
    });
  });

  it('a 1×5000 sliver: 336 × 1 680 000 after the resize, and the view is the 2 middle rows of the original', () => {
    const p = plan(1, 5000);
    expect(p.resized).toEqual({ width: 336, height: 1_680_000 });
    // Crop rows 839 832…840 168 of the resize are rows 2499.5…2500.5 of the original, rounded outward.
    expect(view(p)).toMatchObject({ x: 0, y: 2499, width: 1, height: 2 });
  });

  it('without a resize, a small image sits in a zero-padded crop: the view is the whole image', () => {
    const json = llava15({ preprocessor: { do_resize: false } });
    const p = plan(100, 301, 'high', json);
    expect(p.resized).toEqual({ width: 100, height: 301 });
    expect(view(p)).toEqual({
      x: 0,
      y: 0,
      width: 100,
      height: 301,
      inputWidth: 336,
      inputHeight: 336,
      tokens: 576,
    });
    // Python: offsets (orig − crop) // 2, so the image starts at column 118 and row 18 of the crop.
    expect(llavaGeometry(readLlavaConfig(json), { width: 100, height: 301 })).toEqual({
      resized: { width: 100, height: 301 },
      crop: { left: -118, top: -18, width: 336, height: 336 },
      inside: { left: 0, top: 0, width: 100, height: 301 },
    });
  });

  it('the view always lies inside the image and covers what the crop was sampled from', () => {
    const cfg = readLlavaConfig(llava15());
    for (let i = 0; i < 400; i++) {
      const width = 1 + ((i * 7919) % 3000);
      const height = 1 + ((i * 104729) % 2000);
      const p = planLlava(cfg, { width, height }, 'high');
      const tile = view(p);
      if (!tile) throw new Error('no view');
      expect(tile.width).toBeGreaterThan(0);
      expect(tile.height).toBeGreaterThan(0);
      expect(tile.x + tile.width).toBeLessThanOrEqual(width);
      expect(tile.y + tile.height).toBeLessThanOrEqual(height);
      const { resized, inside } = llavaGeometry(cfg, { width, height });
      expect(tile.x).toBeLessThanOrEqual((inside.left * width) / resized.width);
      expect(tile.x + tile.width).toBeGreaterThanOrEqual(
        ((inside.left + inside.width) * width) / resized.width,
      );
      expect(Math.min(resized.width, resized.height)).toBe(336);
      expect([p.imageTokens, p.promptTokens, tile.tokens]).toEqual([576, 576, 576]);
    }
  });
});
