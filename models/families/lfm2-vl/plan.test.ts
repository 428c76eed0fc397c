/**
 * The LFM2-VL tile plan against the upstream reference numbers (vlm-formats.md §12, L-1…L-4: transformers.js's
 * tests on LFM2-VL-450M's configuration) and against transformers.js's Lfm2VlImageProcessor on many sizes —
 * except where Python's round() (half to even) and JavaScript's Math.round part, where Tessera follows Python.
 */
import { describe, expect, it } from 'vitest';
import type { Size } from '../../../app/tile-plan.ts';
import { readLfm2VlConfig } from './config.ts';
import { chooseGrid, planLfm2Vl, roundHalfEven, smartResize, targetGrids } from './plan.ts';
import { lfm2Vl450m, solidImage, transformersFeeds } from './testing.ts';

const cfg = readLfm2VlConfig(lfm2Vl450m());
const plan = (width: number, height: number, detail: 'low' | 'high' = 'high') =>
  planLfm2Vl(cfg, { width, height }, detail);
/** Every view's [patch rows, patch cols], tiles then thumbnail, as spatial_shapes lists them. */
const shapes = (p: ReturnType<typeof plan>) =>
  [...p.tiles, ...(p.global ? [p.global] : [])].map((t) => [t.inputHeight / 16, t.inputWidth / 16]);

describe('LFM2-VL tile plan: upstream reference cases', () => {
  it('L-1: white 224×224 → one view of 16×16 patches (256 real rows of 1024), 64 tokens', () => {
    const p = plan(224, 224);
    expect(shapes(p)).toEqual([[16, 16]]);
    expect(p.tiles[0]?.inputWidth).toBe(256);
    expect(p.global).toBeNull();
    expect(p.grid).toMatchObject({ rows: 1, cols: 1 });
    expect(p.imageTokens).toBe(64);
    expect(p.promptTokens).toBe(66);
    expect(cfg.maxNumPatches).toBe(1024);
  });

  it('L-2: gradient 1280×640 → 1×2 tiles of 512 plus a 704×352 thumbnail; shapes [[32,32],[32,32],[22,44]]', () => {
    const p = plan(1280, 640);
    expect(p.grid).toMatchObject({ rows: 1, cols: 2 });
    expect(shapes(p)).toEqual([
      [32, 32],
      [32, 32],
      [22, 44],
    ]);
    expect(p.resized).toEqual({ width: 1024, height: 512 });
    expect(p.global).toMatchObject({ inputWidth: 704, inputHeight: 352, tokens: 11 * 22 });
    // Mask sums 1024, 1024, 968 are the patch counts.
    expect(shapes(p).map(([h, w]) => (h as number) * (w as number))).toEqual([1024, 1024, 968]);
    expect(p.imageTokens).toBe(256 + 256 + 242);
    expect(p.promptTokens).toBe(p.imageTokens + 2 + 2 + 1);
    expect(p.tiles.map((t) => [t.x, t.y, t.width, t.height])).toEqual([
      [0, 0, 640, 640],
      [640, 0, 640, 640],
    ]);
  });

  it('L-3: cats 640×480 → one 576×416 view, shapes [[26,36]] (936 patches)', () => {
    const p = plan(640, 480);
    expect(shapes(p)).toEqual([[26, 36]]);
    expect(p.resized).toEqual({ width: 576, height: 416 });
    expect(p.imageTokens).toBe(13 * 18);
  });

  it('L-4: [white, cats] → shapes [[16,16],[26,36]], sizes [[256,256],[416,576]]', () => {
    const both = [plan(224, 224), plan(640, 480)];
    expect(both.flatMap(shapes)).toEqual([
      [16, 16],
      [26, 36],
    ]);
    expect(both.map((p) => [p.resized.height, p.resized.width])).toEqual([
      [256, 256],
      [416, 576],
    ]);
  });
});

describe('LFM2-VL tile plan: rules', () => {
  it('low detail is one view however large the image; high tiles only what is too large', () => {
    const low = plan(1280, 640, 'low');
    expect(shapes(low)).toEqual([[22, 44]]);
    expect(low.detail).toBe('low');
    expect(plan(600, 600).tiles).toHaveLength(1); // 608² < 2 × 512²: not too large
    expect(plan(800, 800).tiles).toHaveLength(4); // 2×2 grid and a thumbnail
    expect(plan(800, 800).global).not.toBeNull();
  });

  it('grids are every cols × rows with 2…10 tiles, by area; ties go to the larger grid while the image is big enough', () => {
    const grids = targetGrids(2, 10);
    expect(grids[0]).toEqual({ cols: 1, rows: 2 });
    expect(grids.every((g) => g.cols * g.rows >= 2 && g.cols * g.rows <= 10)).toBe(true);
    expect(grids).toHaveLength(new Set(grids.map((g) => `${g.cols}x${g.rows}`)).size);
    // Square: 2×2, 3×3 tie on ratio; 3×3 (9 tiles) wins only above 0.5 · 512² · 9 pixels.
    expect(chooseGrid(cfg, { width: 1000, height: 1000 })).toEqual({ cols: 2, rows: 2 });
    expect(chooseGrid(cfg, { width: 1100, height: 1100 })).toEqual({ cols: 3, rows: 3 });
    expect(chooseGrid(cfg, { width: 5000, height: 500 })).toEqual({ cols: 10, rows: 1 });
  });

  it('no thumbnail when use_thumbnail is false; no splitting when do_image_splitting is false or min = max = 1', () => {
    const noThumb = readLfm2VlConfig(lfm2Vl450m({ preprocessor: { use_thumbnail: false } }));
    const p = planLfm2Vl(noThumb, { width: 1280, height: 640 }, 'high');
    expect(p.global).toBeNull();
    expect(p.promptTokens).toBe(512 + 2 + 2);
    for (const preprocessor of [{ do_image_splitting: false }, { min_tiles: 1, max_tiles: 1 }]) {
      const c = readLfm2VlConfig(lfm2Vl450m({ preprocessor }));
      expect(planLfm2Vl(c, { width: 1280, height: 640 }, 'high').tiles).toHaveLength(1);
    }
  });

  it('smart resize keeps 64…256 tokens in multiples of 32 pixels', () => {
    for (const size of [
      { width: 1, height: 1 },
      { width: 33, height: 3000 },
      { width: 4000, height: 3000 },
      { width: 300, height: 200 },
    ]) {
      const s = smartResize(cfg, size);
      expect(s.width % 32).toBe(0);
      expect(s.height % 32).toBe(0);
      const tokens = (s.width / 32) * (s.height / 32);
      expect(tokens).toBeGreaterThanOrEqual(64);
      expect(tokens).toBeLessThanOrEqual(256);
    }
  });

  it('Python rounds halves to even: 512×272 resizes to 512×256 (transformers.js: 512×288)', async () => {
    expect([0.5, 1.5, 2.5, 8.5, -1.5, 3.2].map(roundHalfEven)).toEqual([0, 2, 2, 8, -2, 3]);
    const p = plan(512, 272);
    expect(p.resized).toEqual({ width: 512, height: 256 });
    const theirs = await transformersFeeds(solidImage(512, 272, 90));
    expect(theirs.sizes).toEqual([[288, 512]]);
  });

  it('refuses images too thin to encode', () => {
    expect(() => plan(20000, 40, 'low')).toThrow(/patches, more than the 1024/);
  });
});

describe('LFM2-VL tile plan against transformers.js', () => {
  const sizes: Size[] = [
    { width: 224, height: 224 },
    { width: 1280, height: 640 },
    { width: 640, height: 480 },
    { width: 200, height: 120 },
    { width: 800, height: 800 },
    { width: 1100, height: 1100 },
    { width: 3000, height: 700 },
    { width: 700, height: 2500 },
    { width: 1920, height: 1080 },
    { width: 97, height: 1001 },
  ];
  it.each(sizes)('$width×$height: same views, grid, resized size and patch masks', async (size) => {
    const ours = plan(size.width, size.height);
    const theirs = await transformersFeeds(solidImage(size.width, size.height, 200));
    expect(Array.from(theirs.spatialShapes.data as BigInt64Array, Number)).toEqual(shapes(ours).flat());
    expect([theirs.rows[0], theirs.cols[0]]).toEqual([ours.grid.rows, ours.grid.cols]);
    const thumb = ours.global ?? (ours.tiles[0] as (typeof ours.tiles)[0]);
    expect(theirs.sizes[0]).toEqual([thumb.inputHeight, thumb.inputWidth]);
    expect(theirs.pixelValues.dims).toEqual([shapes(ours).length, 1024, 768]);
  });
});
