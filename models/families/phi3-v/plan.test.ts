import { describe, expect, it } from 'vitest';
import { isTesseraError } from '../../errors.ts';
import { readPhi3vConfig } from './config.ts';
import { hdGeometry, planPhi3v } from './plan.ts';
import { phi35, solidImage, transformersJs } from './testing.ts';

const cfg = (numCrops = 4) => readPhi3vConfig(phi35({ preprocessor: { num_crops: numCrops } }));
const plan = (width: number, height: number, numCrops = 4, detail: 'low' | 'high' = 'high') =>
  planPhi3v(cfg(numCrops), { width, height }, detail);
/** What image_sizes holds: [height, width] of the padded canvas. */
const imageSizes = (width: number, height: number, numCrops: number) => {
  const { padded } = hdGeometry({ width, height }, numCrops);
  return [padded.height, padded.width];
};

describe('Phi-3-vision tile plan: upstream cases (vlm-formats §12 P-1…P-5)', () => {
  it('P-1: white 224×224, 4 crops → 2×2 crops + global, image_sizes [672, 672], 757 tokens', () => {
    const p = plan(224, 224);
    expect(imageSizes(224, 224, 4)).toEqual([672, 672]);
    expect(p.grid).toMatchObject({ rows: 2, cols: 2 });
    expect(p.tiles).toHaveLength(4);
    expect(p.imageTokens).toBe(757);
  });

  it('P-2: gradient 1280×640, 4 crops → image_sizes [336, 672], 457 tokens (1 × 2 crops)', () => {
    expect(imageSizes(1280, 640, 4)).toEqual([336, 672]);
    const p = plan(1280, 640);
    expect(p.grid).toMatchObject({ rows: 1, cols: 2 });
    expect(p.imageTokens).toBe(457);
  });

  it('P-3: gradient 1280×640, 16 crops → image_sizes [1008, 1680], 2353 tokens', () => {
    expect(imageSizes(1280, 640, 16)).toEqual([1008, 1680]);
    expect(plan(1280, 640, 16).imageTokens).toBe(2353);
    expect(plan(1280, 640, 16).resized).toEqual({ width: 1680, height: 840 });
  });

  it('P-4: [gradient, white] with 4 crops → sizes [[336, 672], [672, 672]], tokens [457, 757]', () => {
    expect([imageSizes(1280, 640, 4), imageSizes(224, 224, 4)]).toEqual([
      [336, 672],
      [672, 672],
    ]);
    expect([plan(1280, 640).imageTokens, plan(224, 224).imageTokens]).toEqual([457, 757]);
  });

  it('P-5: white 224 with 16 crops → image_sizes [1344, 1344], 17·144 + 1 + 5·12 = 2509 image tokens', () => {
    expect(imageSizes(224, 224, 16)).toEqual([1344, 1344]);
    expect(plan(224, 224, 16).imageTokens).toBe(2509);
  });

  it('agrees with transformers.js on image_sizes and num_img_tokens for landscape and square images', async () => {
    for (const [w, h, crops] of [
      [224, 224, 4],
      [1280, 640, 4],
      [1280, 640, 16],
      [500, 300, 4],
      [333, 100, 16],
    ] as const) {
      const theirs = await transformersJs(solidImage(w, h, 200), phi35(), crops);
      expect(imageSizes(w, h, crops), `${w}×${h}`).toEqual(theirs.imageSizes);
      expect(plan(w, h, crops).imageTokens, `${w}×${h}`).toBe(theirs.tokens);
    }
  });

  it('portrait follows Python (transpose, pad the short side), not transformers.js: 300×1000, 16 crops', async () => {
    // Python: the 1000×300 transpose scales to 2016 × 604, padded to 2016 × 672 → image_sizes [2016, 672].
    expect(imageSizes(300, 1000, 16)).toEqual([2016, 672]);
    const p = plan(300, 1000, 16);
    expect(p.resized).toEqual({ width: 604, height: 2016 });
    expect(p.grid).toMatchObject({ rows: 6, cols: 2 });
    expect(p.imageTokens).toBe(13 * 144 + 1 + 7 * 12);
    // transformers.js does not transpose: it picks scale 2 of the 0.3 ratio and pads to [2352, 672].
    const theirs = await transformersJs(solidImage(300, 1000, 200), phi35(), 16);
    expect(theirs.imageSizes).toEqual([2352, 672]);
  });
});

describe('Phi-3-vision tile plan: detail and tiles', () => {
  it("'high' uses the config's num_crops, 'low' one crop (the Python processor's default) + the global view", () => {
    const low = plan(1280, 640, 16, 'low');
    expect(low.grid).toMatchObject({ rows: 1, cols: 1 });
    expect(low.resized).toEqual({ width: 336, height: 168 });
    expect(low.imageTokens).toBe(2 * 144 + 1 + 2 * 12);
    expect(plan(1280, 640, 16, 'high').grid).toMatchObject({ rows: 3, cols: 5 });
  });

  it('tiles cover the image in original pixels, row-major; tiles and global view add up to the tokens', () => {
    const p = plan(500, 300);
    expect(p.resized).toEqual({ width: 672, height: 403 });
    // The 403-pixel resize sits 134 px down a 672 canvas: the crop rows meet at canvas y 336, image y 150.4.
    expect(p.tiles.map(({ x, y, width, height }) => [x, y, width, height])).toEqual([
      [0, 0, 250, 151],
      [250, 0, 250, 151],
      [0, 150, 250, 150],
      [250, 150, 250, 150],
    ]);
    expect(p.global).toMatchObject({
      x: 0,
      y: 0,
      width: 500,
      height: 300,
      inputWidth: 336,
      inputHeight: 336,
    });
    const sum = p.tiles.reduce((n, t) => n + t.tokens, 0) + (p.global?.tokens ?? 0);
    expect(sum).toBe(p.imageTokens);
    expect(p.promptTokens).toBe(p.imageTokens);
    for (const [w, h, crops] of [
      [300, 1000, 16],
      [1280, 640, 16],
      [7, 3000, 4],
    ] as const) {
      const q = plan(w, h, crops);
      expect(q.tiles.reduce((n, t) => n + t.tokens, 0) + (q.global?.tokens ?? 0)).toBe(q.imageTokens);
      for (const t of q.tiles) {
        expect(t.x + t.width).toBeLessThanOrEqual(w);
        expect(t.y + t.height).toBeLessThanOrEqual(h);
        expect(t.width * t.height).toBeGreaterThan(0);
      }
    }
  });

  it('refuses images too narrow to keep a row', () => {
    try {
      plan(10000, 1, 16);
      expect.unreachable('accepted');
    } catch (error) {
      expect(isTesseraError(error) && error.code).toBe('BAD_REQUEST');
      expect(String(error)).toContain('too narrow');
    }
  });
});
