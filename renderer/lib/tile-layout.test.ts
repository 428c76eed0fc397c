import { describe, expect, it } from 'vitest';
import type { Tile, TilePlan } from '../../app/tile-plan.ts';
import {
  LEGEND_ROOM,
  describePlan,
  enlargedCost,
  fitReadable,
  fitWithin,
  layoutPlan,
  markWidth,
  placeCaption,
  scaleRect,
  tileMarks,
} from './tile-layout.ts';

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

describe('markWidth', () => {
  it('errs wide of DejaVu Sans Bold, the widest usual fallback, and counts the padding', () => {
    // DejaVu Sans Bold at 10 px: R 7.7, digits 7.0, · 3.8, C 7.3 → "R1·C1" is 32.8 px of text.
    expect(markWidth('R1·C1', 10)).toBeGreaterThanOrEqual(33 + 8);
    // "64 tokens": 6 and 4 at 7.0, space 3.5, t 4.8, o 6.9, k 6.6, e 6.8, n 7.1, s 6.0 → 56.7 px.
    expect(markWidth('64 tokens', 10)).toBeGreaterThanOrEqual(57 + 8);
    expect(markWidth('R1·C1', 12)).toBeGreaterThan(markWidth('R1·C1', 10));
    expect(markWidth('R10·C12', 10)).toBeGreaterThan(markWidth('R1·C1', 10));
  });
});

describe('tileMarks', () => {
  const texts = { label: 'R1·C1', tokens: '64 tokens' };

  it('prints the label and the tokens where both fit whole', () => {
    expect(tileMarks({ width: 120, height: 90 }, texts, false)).toEqual({ label: true, tokens: true });
  });

  it('drops the tokens first, then the label, as the tile shrinks', () => {
    // The composer's preview of a screenshot: 4 columns of 56 px hold the label only.
    expect(tileMarks({ width: 56, height: 42 }, texts, false)).toEqual({ label: true, tokens: false });
    // Narrower than the label (where "R1·C" was cut off), or too low for it: nothing printed.
    expect(tileMarks({ width: 40, height: 42 }, texts, false)).toEqual({ label: false, tokens: false });
    expect(tileMarks({ width: 120, height: 20 }, texts, false)).toEqual({ label: false, tokens: false });
    // Tall enough for one line only: the tokens would sit on the label.
    expect(tileMarks({ width: 120, height: 30 }, texts, false)).toEqual({ label: true, tokens: false });
  });

  it('needs more room for the large view’s bigger type, and for longer labels', () => {
    expect(tileMarks({ width: 90, height: 60 }, texts, false).tokens).toBe(true);
    expect(tileMarks({ width: 90, height: 60 }, texts, true).tokens).toBe(false);
    expect(tileMarks({ width: 56, height: 42 }, { label: 'R10·C12', tokens: '1 token' }, false).label).toBe(
      false,
    );
  });

  it('leaves room under the small preview for the global label', () => {
    // A 1920×1080 screenshot in the composer's 232×150 preview: 4 columns wide enough for their labels.
    const shown = fitWithin({ width: 1920, height: 1080 }, { width: 232, height: 150 - LEGEND_ROOM }, true);
    expect(shown.height + LEGEND_ROOM).toBeLessThanOrEqual(150);
    expect(tileMarks({ width: shown.width / 4, height: shown.height / 3 }, texts, false).label).toBe(true);
  });
});

describe('placeCaption', () => {
  const viewport = { width: 1280, height: 800 };
  const caption = { width: 300, height: 40 };

  it('goes above its anchor where there is room', () => {
    expect(placeCaption({ left: 100, top: 600, width: 224, height: 126 }, caption, viewport)).toEqual({
      left: 100,
      top: 554,
      side: 'above',
    });
  });

  it('flips below an anchor at the top of the window', () => {
    expect(placeCaption({ left: 100, top: 20, width: 200, height: 100 }, caption, viewport)).toEqual({
      left: 100,
      top: 126,
      side: 'below',
    });
  });

  it('moves in from the right edge and the left edge', () => {
    expect(placeCaption({ left: 1200, top: 600, width: 60, height: 60 }, caption, viewport).left).toBe(972);
    expect(placeCaption({ left: -40, top: 600, width: 60, height: 60 }, caption, viewport).left).toBe(8);
  });

  it('stays inside the window over an anchor taller than it, or scrolled partly out', () => {
    const tall = placeCaption({ left: 100, top: 10, width: 400, height: 1600 }, caption, viewport);
    expect(tall).toEqual({ left: 100, top: 8, side: 'over' });
    const below = placeCaption({ left: 100, top: 900, width: 400, height: 400 }, caption, viewport);
    expect(below.top + caption.height).toBeLessThanOrEqual(792);
    expect(below.top).toBeGreaterThanOrEqual(8);
  });
});
