import { describe, expect, it } from 'vitest';
import type { Tile, TilePlan } from '../../../app/tile-plan.ts';
import type { ModelJson } from '../family.ts';
import { readSmolVlmConfig } from './config.ts';
import { planSmolVlm, smolVlmGeometry } from './plan.ts';
import { idefics3, smolvlm256m } from './testing.ts';

const plan = (model: ModelJson, width: number, height: number, detail: 'low' | 'high' = 'high') =>
  planSmolVlm(readSmolVlmConfig(model), { width, height }, detail);
const frames = (p: TilePlan) => p.tiles.length + 1;

/** Tiles are in original pixels, inside the image, row-major, with no gaps and at most 1 px overlap. */
function expectTilesCoverImage(p: TilePlan): void {
  const { rows, cols } = p.grid;
  expect(p.tiles).toHaveLength(rows * cols);
  const spans = (pick: (t: Tile) => [number, number], count: number, stride: number, full: number) => {
    let end = 0;
    for (let i = 0; i < count; i++) {
      const [start, length] = pick(p.tiles[i * stride] as Tile);
      expect(length).toBeGreaterThan(0);
      expect(start).toBeGreaterThanOrEqual(Math.max(0, end - 1));
      expect(start).toBeLessThanOrEqual(end);
      end = start + length;
    }
    expect(end).toBe(full);
  };
  spans((t) => [t.x, t.width], cols, 1, p.original.width);
  spans((t) => [t.y, t.height], rows, cols, p.original.height);
  p.tiles.forEach((t, i) => {
    const first = p.tiles[Math.floor(i / cols) * cols] as Tile; // same row → same y/height
    const top = p.tiles[i % cols] as Tile; // same column → same x/width
    expect([t.y, t.height, t.x, t.width]).toEqual([first.y, first.height, top.x, top.width]);
  });
}

function expectTokensAddUp(p: TilePlan, seq: number): void {
  const all = [...p.tiles, p.global].map((t) => t?.tokens ?? 0);
  expect(all.every((n) => n === seq)).toBe(true);
  expect(p.imageTokens).toBe(all.reduce((a, b) => a + b, 0));
  // Markers: fake + row/col per tile, one newline per row, fake + global + fake around the global view.
  expect(p.promptTokens).toBe(p.imageTokens + 2 * p.tiles.length + p.grid.rows + 3);
}

describe('tile plan: transformers.js oracle cases (vlm-formats §12)', () => {
  const model = idefics3();
  it('I-1: 1280×640 without splitting is one 364×364 frame, rows = cols = 0', () => {
    const p = plan(model, 1280, 640, 'low');
    expect([frames(p), p.grid.rows, p.grid.cols]).toEqual([1, 0, 0]);
    expect(p.tiles).toEqual([]);
    expect(p.global).toEqual({
      x: 0,
      y: 0,
      width: 1280,
      height: 640,
      inputWidth: 364,
      inputHeight: 364,
      tokens: 169,
    });
    expect([p.imageTokens, p.promptTokens]).toEqual([169, 172]);
  });

  it('I-1 with do_image_splitting false in the config: "high" is one frame too', () => {
    const p = plan(idefics3({ do_image_splitting: false }), 1280, 640, 'high');
    expect([frames(p), p.grid.rows, p.grid.cols]).toEqual([1, 0, 0]);
  });

  it('I-3: 1280×640 split → 9 frames, rows 2, cols 4, tiles of 320×320 original pixels', () => {
    const p = plan(model, 1280, 640);
    expect([frames(p), p.grid.rows, p.grid.cols]).toEqual([9, 2, 4]);
    expect(p.resized).toEqual({ width: 1456, height: 728 });
    expect(p.tiles[5]).toEqual({
      x: 320,
      y: 320,
      width: 320,
      height: 320,
      inputWidth: 364,
      inputHeight: 364,
      tokens: 169,
    });
    expectTilesCoverImage(p);
    expectTokensAddUp(p, 169);
  });

  it('I-4: 1600×1067 → 13 frames, rows 3, cols 4', () => {
    const p = plan(model, 1600, 1067);
    expect([frames(p), p.grid.rows, p.grid.cols]).toEqual([13, 3, 4]);
    expect(p.resized).toEqual({ width: 1456, height: 1092 });
    expectTilesCoverImage(p);
    expectTokensAddUp(p, 169);
  });

  it('I-5/I-6: 1600×1067 and 224×224 → 13 + 17 = 30 frames, rows [3, 4], cols [4, 4]', () => {
    const a = plan(model, 1600, 1067);
    const b = plan(model, 224, 224);
    expect(frames(a) + frames(b)).toBe(30);
    expect([a.grid.rows, b.grid.rows, a.grid.cols, b.grid.cols]).toEqual([3, 4, 4, 4]);
    expectTilesCoverImage(b);
  });

  it('I-2: without splitting both are single frames', () => {
    expect([frames(plan(model, 1600, 1067, 'low')), frames(plan(model, 224, 224, 'low'))]).toEqual([1, 1]);
  });
});

describe('tile plan: SmolVLM-256M (2048 / 512, 64 tokens per frame)', () => {
  const model = smolvlm256m();
  it('plans a 1920×1080 screenshot as 3 × 4 tiles of 480×360 plus the global view', () => {
    const p = plan(model, 1920, 1080);
    expect(p.family).toBe('smolvlm');
    expect(p.detail).toBe('high');
    expect(p.original).toEqual({ width: 1920, height: 1080 });
    expect(p.resized).toEqual({ width: 2048, height: 1536 });
    expect(p.grid).toMatchObject({ rows: 3, cols: 4 });
    expect(p.tiles.map((t) => [t.x, t.y, t.width, t.height])).toEqual(
      [0, 360, 720].flatMap((y) => [0, 480, 960, 1440].map((x) => [x, y, 480, 360])),
    );
    expect(p.global).toEqual({
      x: 0,
      y: 0,
      width: 1920,
      height: 1080,
      inputWidth: 512,
      inputHeight: 512,
      tokens: 64,
    });
    expect([p.imageTokens, p.promptTokens]).toEqual([13 * 64, 13 * 64 + 24 + 3 + 3]);
    expectTilesCoverImage(p);
  });

  it('low detail: one 512×512 frame, 64 + 3 tokens', () => {
    const p = plan(model, 1920, 1080, 'low');
    expect([p.grid.rows, p.grid.cols, p.tiles.length, p.imageTokens, p.promptTokens]).toEqual([
      0, 0, 0, 64, 67,
    ]);
    expect(p.resized).toEqual({ width: 512, height: 512 });
  });

  const cases: [number, number, number, number][] = [
    [224, 224, 4, 4],
    [640, 480, 3, 4],
    [480, 640, 4, 3],
    [1080, 1920, 4, 3],
    [1600, 1067, 3, 4],
    [1, 1, 4, 4],
    [3, 500, 4, 1],
    [1, 5000, 4, 1],
    [5000, 1, 1, 4],
  ];
  it.each(cases)('%i×%i → %i rows × %i cols, covering the image', (w, h, rows, cols) => {
    const p = plan(model, w, h);
    expect(p.grid).toMatchObject({ rows, cols });
    expectTilesCoverImage(p);
    expectTokensAddUp(p, 64);
  });

  it('follows Python step 1: int() then +1 when the short side is odd (1600×1067 → 2048×1366)', () => {
    const cfg = readSmolVlmConfig(model);
    expect(smolVlmGeometry(cfg, { width: 1600, height: 1067 }, 'high').scaled).toEqual({
      width: 2048,
      height: 1366,
    });
    expect(smolVlmGeometry(cfg, { width: 1067, height: 1600 }, 'high').scaled).toEqual({
      width: 1366,
      height: 2048,
    });
    // 2058×1030: 2048 / (2058 / 1030) = 1024.995…, int() → 1024 (transformers.js rounds to 1025 → an extra row).
    expect(smolVlmGeometry(cfg, { width: 2058, height: 1030 }, 'high')).toMatchObject({
      scaled: { width: 2048, height: 1024 },
      rows: 2,
      cols: 4,
    });
    // min_len 1: a 1×5000 sliver keeps one column of pixels instead of none.
    expect(smolVlmGeometry(cfg, { width: 1, height: 5000 }, 'high').scaled).toEqual({
      width: 1,
      height: 2048,
    });
  });

  it('caps step 1 at 4096 like Python MAX_IMAGE_SIZE', () => {
    const cfg = readSmolVlmConfig(
      smolvlm256m({ preprocessor: { size: { longest_edge: 6000 }, max_image_size: { longest_edge: 1000 } } }),
    );
    expect(smolVlmGeometry(cfg, { width: 1000, height: 500 }, 'high')).toEqual({
      scaled: { width: 4096, height: 2048 },
      resized: { width: 5000, height: 3000 },
      rows: 3,
      cols: 5,
    });
  });

  it('a config with size = tile size keeps a square image in one frame even when splitting', () => {
    const model364 = idefics3({ size: { longest_edge: 364 } });
    const p = plan(model364, 224, 224, 'high');
    expect([p.grid.rows, p.grid.cols, p.tiles.length]).toEqual([0, 0, 0]);
  });
});
