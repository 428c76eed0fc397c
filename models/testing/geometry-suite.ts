/**
 * The geometry every family face must keep, as a vitest suite run once per registered family
 * (models/families/conformance-geometry.test.ts): the registry finds it by its model types, its bound geometry
 * reports the model's image token and placeholder, the engine face plans and expands exactly as the geometry
 * does, plans lie inside the image and add up, each plan expands to one image token per feature row, and bad
 * sizes and other families' plans are refused.
 */
import { describe, expect, it } from 'vitest';
import type { Detail, Size } from '../../app/tile-plan.ts';
import { isTesseraError } from '../errors.ts';
import { engineFor } from '../families/engines.ts';
import type { ModelFamily, ModelJson } from '../families/family.ts';
import { familyForModelType } from '../families/registry.ts';

export interface GeometryConformance {
  /** The published model's JSON (the family's testing.ts fixture). */
  json: () => ModelJson;
  /** The bound geometry's image token id; null where it is read lazily from a tokenizer the fixture lacks. */
  imageTokenId: number | null;
  imagePlaceholder: string;
  defaultDetail: Detail;
  /** The string expandImage repeats once per image token (feature row). */
  imageToken: string;
}

const SIZES: Size[] = [
  { width: 640, height: 480 },
  { width: 1280, height: 640 },
  { width: 97, height: 1001 },
  { width: 224, height: 224 },
  { width: 1, height: 1 },
];
const DETAILS: Detail[] = ['low', 'high'];
const BAD_SIZES: Size[] = [
  { width: 0, height: 10 },
  { width: 10.5, height: 10 },
  { width: -1, height: 5 },
];

const count = (text: string, token: string) => text.split(token).length - 1;

export function describeGeometryConformance(family: ModelFamily, c: GeometryConformance): void {
  const json = c.json();
  const geometry = () => family.bind(json);

  it('is found by each of its model types, and reads the fixture’s', () => {
    for (const modelType of family.modelTypes)
      expect(familyForModelType(modelType, 'config.json')).toBe(family);
    expect(family.modelTypes).toContain(json.config.model_type);
  });

  it('binds the model’s family name, image token, placeholder and default detail', () => {
    const g = geometry();
    expect(g.family).toBe(family.name);
    if (c.imageTokenId !== null) expect(g.imageTokenId).toBe(c.imageTokenId);
    expect(g.imagePlaceholder).toBe(c.imagePlaceholder);
    expect(g.defaultDetail).toBe(c.defaultDetail);
  });

  it('the engine face plans and expands exactly as the geometry', () => {
    const g = geometry();
    const model = engineFor(family.name).bind(json);
    expect(model.family).toBe(g.family);
    expect(model.imagePlaceholder).toBe(g.imagePlaceholder);
    expect(model.defaultDetail).toBe(g.defaultDetail);
    expect(model.visionInputNames.length).toBeGreaterThan(0);
    for (const size of SIZES) {
      for (const detail of DETAILS) {
        const plan = g.planImage(size, detail);
        expect(model.planImage(size, detail)).toEqual(plan);
        expect(model.expandImage(plan)).toBe(g.expandImage(plan));
      }
    }
  });

  describe.each(DETAILS)('plans at %s detail', (detail) => {
    it.each(SIZES)('$width×$height: its own, inside the image, tokens adding up', (size) => {
      const plan = geometry().planImage(size, detail);
      expect(plan.family).toBe(family.name);
      expect(plan.detail).toBe(detail);
      expect(plan.original).toEqual(size);
      expect(plan.tiles.length + (plan.global ? 1 : 0)).toBeGreaterThan(0);
      for (const view of [...plan.tiles, ...(plan.global ? [plan.global] : [])]) {
        expect(view.x).toBeGreaterThanOrEqual(0);
        expect(view.y).toBeGreaterThanOrEqual(0);
        expect(view.width * view.height).toBeGreaterThan(0);
        expect(view.x + view.width).toBeLessThanOrEqual(size.width);
        expect(view.y + view.height).toBeLessThanOrEqual(size.height);
        expect(view.tokens).toBeGreaterThan(0);
      }
      const sum = plan.tiles.reduce((n, t) => n + t.tokens, plan.global?.tokens ?? 0);
      expect(sum).toBe(plan.imageTokens);
      expect(plan.promptTokens).toBeGreaterThanOrEqual(plan.imageTokens);
    });

    it.each(SIZES)('$width×$height: expands to one image token per feature row', (size) => {
      const g = geometry();
      const plan = g.planImage(size, detail);
      expect(count(g.expandImage(plan), c.imageToken)).toBe(plan.imageTokens);
    });
  });

  it('refuses sizes that are not whole positive pixels (BAD_REQUEST)', () => {
    const g = geometry();
    for (const size of BAD_SIZES) {
      for (const detail of DETAILS) {
        try {
          g.planImage(size, detail);
          expect.unreachable(`${size.width}×${size.height} accepted`);
        } catch (error) {
          expect(isTesseraError(error) && error.code).toBe('BAD_REQUEST');
          expect(String(error)).toMatch(/whole positive pixels/);
        }
      }
    }
  });

  it('refuses another family’s plan (INTERNAL)', () => {
    const g = geometry();
    const other = family.name === 'llava' ? 'smolvlm' : 'llava';
    const plan = { ...g.planImage({ width: 10, height: 10 }, 'low'), family: other };
    try {
      g.expandImage(plan);
      expect.unreachable('expanded');
    } catch (error) {
      expect(isTesseraError(error) && error.code).toBe('INTERNAL');
      expect(String(error)).toContain(`A ${other} tile plan was given to the ${family.name} family.`);
    }
    expect(() => engineFor(family.name).bind(json).expandImage(plan)).toThrow(/tile plan was given/);
  });
}
