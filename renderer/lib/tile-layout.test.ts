import { describe, expect, it } from 'vitest';
import type { Tile, TilePlan } from '../../app/tile-plan.ts';
import { describePlan, enlargedCost, fitReadable, fitWithin, layoutPlan, scaleRect } from './tile-layout.ts';

const tile = (x: number, y: number, width: number, height: number): Tile => ({
  x,
  y,
  width,
  height,
  inputWidth: 512,
  inputHeight: 512,
  tokens: 64,
});

// A 1920×1080 screenshot cut into 2 rows × 4 columns, listed out of order on purpose.
const plan: TilePlan = {
  family: 'smolvlm',
  detail: 'high',
  original: { width: 1920, height: 1080 },
  resized: { width: 2048, height: 1024 },
  grid: { rows: 2, cols: 4, unit: 'tiles' },
  tiles: [
    tile(480, 540, 480, 540),
    tile(0, 0, 480, 540),
    tile(480, 0, 480, 540),
    tile(960, 0, 480, 540),
    tile(1440, 0, 480, 540),
    tile(0, 540, 480, 540),
    tile(960, 540, 480, 540),
    tile(1440, 540, 480, 540),
  ],
  global: tile(0, 0, 1920, 1080),
  imageTokens: 576,
  promptTokens: 603,
};

describe('fitWithin', () => {
  it('keeps the aspect ratio inside the box', () => {
    expect(fitWithin({ width: 1920, height: 1080 }, { width: 240, height: 160 })).toEqual({
      width: 240,
      height: 135,
    });
    expect(fitWithin({ width: 1000, height: 2000 }, { width: 240, height: 160 })).toEqual({
      width: 80,
      height: 160,
    });
  });

  it('does not enlarge small images unless asked', () => {
    expect(fitWithin({ width: 100, height: 50 }, { width: 400, height: 400 })).toEqual({
      width: 100,
      height: 50,
    });
    expect(fitWithin({ width: 100, height: 50 }, { width: 400, height: 400 }, true)).toEqual({
      width: 400,
      height: 200,
    });
    expect(fitWithin({ width: 0, height: 50 }, { width: 400, height: 400 })).toEqual({ width: 0, height: 0 });
  });
});

describe('scaleRect', () => {
  it('maps original pixels to displayed pixels on each axis', () => {
    expect(scaleRect(tile(480, 540, 480, 540), plan.original, { width: 960, height: 540 })).toEqual({
      left: 240,
      top: 270,
      width: 240,
      height: 270,
    });
    // Non-uniform: a view stretched differently on each axis still lines up.
    expect(scaleRect(tile(960, 0, 960, 1080), plan.original, { width: 480, height: 1080 })).toEqual({
      left: 240,
      top: 0,
      width: 240,
      height: 1080,
    });
  });

  it('clips rectangles that reach past the image', () => {
    expect(scaleRect(tile(1800, 1000, 400, 400), plan.original, { width: 192, height: 108 })).toEqual({
      left: 180,
      top: 100,
      width: 12,
      height: 8,
    });
  });
});

describe('layoutPlan', () => {
  it('derives row and column from coordinates, not from list order', () => {
    const layout = layoutPlan(plan, { width: 240, height: 135 });
    const positions = layout.tiles.map((t) => [t.row, t.col]);
    expect(positions).toEqual([
      [1, 1],
      [0, 0],
      [0, 1],
      [0, 2],
      [0, 3],
      [1, 0],
      [1, 2],
      [1, 3],
    ]);
    expect(layout.tiles[0]?.rect).toEqual({ left: 60, top: 67.5, width: 60, height: 67.5 });
    expect(layout.global?.rect).toEqual({ left: 0, top: 0, width: 240, height: 135 });
    expect(layout.scaleX).toBeCloseTo(0.125);
  });

  it('describes the plan in words', () => {
    expect(describePlan(plan)).toBe('2 × 4 tiles + global');
    expect(describePlan({ ...plan, tiles: [] })).toBe('global view only');
    expect(describePlan({ ...plan, tiles: [tile(0, 0, 10, 10)], global: null })).toBe('1 tile');
  });
});

describe('fitReadable', () => {
  it('fits a landscape or square image whole, enlarging a small one', () => {
    expect(fitReadable({ width: 1920, height: 1080 }, { width: 960, height: 600 })).toEqual({
      width: 960,
      height: 540,
    });
    expect(fitReadable({ width: 40, height: 40 }, { width: 960, height: 600 })).toEqual({
      width: 600,
      height: 600,
    });
  });

  it('draws a tall image at least 400 px wide (or the box width), to scroll', () => {
    expect(fitReadable({ width: 600, height: 2400 }, { width: 960, height: 600 })).toEqual({
      width: 400,
      height: 1600,
    });
    expect(fitReadable({ width: 600, height: 2400 }, { width: 300, height: 600 })).toEqual({
      width: 300,
      height: 1200,
    });
  });
});

describe('enlargedCost', () => {
  const plan = (w: number, h: number, rw: number, rh: number, promptTokens: number): TilePlan => ({
    family: 'smolvlm',
    detail: 'high',
    original: { width: w, height: h },
    resized: { width: rw, height: rh },
    grid: { rows: 1, cols: 1, unit: 'tiles' },
    tiles: [],
    global: null,
    imageTokens: promptTokens,
    promptTokens,
  });
  const low = plan(40, 40, 512, 512, 67);

  it('flags a small image enlarged at a higher cost than Low detail', () => {
    expect(enlargedCost(plan(40, 40, 2048, 2048, 1091), low)).toBe(true);
  });

  it('not a screenshot barely padded to the grid, nor an enlargement that costs no more', () => {
    expect(enlargedCost(plan(1920, 1080, 2048, 1536, 873), low)).toBe(false);
    expect(enlargedCost(plan(40, 40, 512, 512, 67), low)).toBe(false);
    expect(enlargedCost(plan(40, 40, 2048, 2048, 1091), undefined)).toBe(false);
  });
});
