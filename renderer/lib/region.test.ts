import { describe, expect, it } from 'vitest';
import {
  MIN_REGION,
  clampRegion,
  describeRegion,
  initialRegion,
  keyStep,
  regionAfterKey,
  regionBetween,
  regionProblem,
  toOriginal,
  toShown,
} from './region.ts';

const FULL_HD = { width: 1920, height: 1080 };
const SHOWN = { width: 960, height: 540 };

describe('display and original pixels', () => {
  it('maps a point on the image as shown to original pixels, and a region back', () => {
    expect(toOriginal({ x: 100, y: 50 }, SHOWN, FULL_HD)).toEqual({ x: 200, y: 100 });
    expect(toShown({ x: 200, y: 100, width: 640, height: 220 }, SHOWN, FULL_HD)).toEqual({
      x: 100,
      y: 50,
      width: 320,
      height: 110,
    });
  });

  it('keeps a point dragged outside the image on its edge', () => {
    expect(toOriginal({ x: -40, y: 9000 }, SHOWN, FULL_HD)).toEqual({ x: 0, y: 1080 });
    expect(toOriginal({ x: 10, y: 10 }, { width: 0, height: 0 }, FULL_HD)).toEqual({ x: 0, y: 0 });
  });

  it('spans a drag in any direction in whole pixels that cover both ends', () => {
    expect(regionBetween({ x: 400.6, y: 300.2 }, { x: 80.4, y: 80.9 }, FULL_HD)).toEqual({
      x: 80,
      y: 80,
      width: 321,
      height: 221,
    });
    expect(regionBetween({ x: 1900, y: 1000 }, { x: 2500, y: 2000 }, FULL_HD)).toEqual({
      x: 1900,
      y: 1000,
      width: 20,
      height: 80,
    });
  });
});

describe('clamping and size', () => {
  it('moves a region back inside the image before cutting it to fit', () => {
    expect(clampRegion({ x: 1800, y: -20, width: 300, height: 100 }, FULL_HD)).toEqual({
      x: 1620,
      y: 0,
      width: 300,
      height: 100,
    });
    expect(clampRegion({ x: 5, y: 5, width: 5000, height: 50 }, FULL_HD)).toEqual({
      x: 0,
      y: 5,
      width: 1920,
      height: 50,
    });
  });

  it('refuses a region smaller than the minimum, and an image too small to cut from', () => {
    expect(regionProblem({ x: 0, y: 0, width: 0, height: 0 }, FULL_HD)).toBe(
      `Select at least ${MIN_REGION}×${MIN_REGION} pixels (this is 0×0).`,
    );
    expect(regionProblem({ x: 0, y: 0, width: MIN_REGION, height: 100 }, FULL_HD)).toBeNull();
    expect(regionProblem({ x: 0, y: 0, width: 4, height: 4 }, { width: 4, height: 4 })).toContain(
      'smaller than',
    );
  });

  it('offers the middle half of the image first', () => {
    expect(initialRegion(FULL_HD)).toEqual({ x: 480, y: 270, width: 960, height: 540 });
    expect(initialRegion({ width: 10, height: 6 })).toEqual({ x: 1, y: 0, width: 8, height: 6 });
  });

  it('says a region in original pixels', () => {
    expect(describeRegion({ x: 80, y: 80, width: 320, height: 220 })).toBe('320×220 px at 80, 80');
  });
});

describe('keyboard moves', () => {
  const region = { x: 480, y: 270, width: 960, height: 540 };

  it('steps by 1 % of the longer side, at least a pixel', () => {
    expect(keyStep(FULL_HD)).toBe(19);
    expect(keyStep({ width: 40, height: 30 })).toBe(1);
  });

  it('moves with the arrow keys and stops at the edges', () => {
    expect(regionAfterKey(region, 'ArrowRight', false, FULL_HD)).toEqual({ ...region, x: 499 });
    expect(regionAfterKey(region, 'ArrowUp', false, FULL_HD)).toEqual({ ...region, y: 251 });
    const atEdge = { ...region, x: 955 };
    expect(regionAfterKey(atEdge, 'ArrowRight', false, FULL_HD)).toEqual({ ...region, x: 960 });
  });

  it('resizes from the bottom-right corner with Shift, within the image and above the minimum', () => {
    expect(regionAfterKey(region, 'ArrowRight', true, FULL_HD)).toEqual({ ...region, width: 979 });
    expect(regionAfterKey(region, 'ArrowUp', true, FULL_HD)).toEqual({ ...region, height: 521 });
    const small = { x: 0, y: 0, width: 10, height: 10 };
    expect(regionAfterKey(small, 'ArrowLeft', true, FULL_HD)).toEqual({ ...small, width: MIN_REGION });
    const wide = { x: 1000, y: 0, width: 915, height: 10 };
    expect(regionAfterKey(wide, 'ArrowRight', true, FULL_HD)).toEqual({ ...wide, width: 920 });
  });

  it('ignores keys other than the arrows', () => {
    expect(regionAfterKey(region, 'Enter', false, FULL_HD)).toBeNull();
  });
});
