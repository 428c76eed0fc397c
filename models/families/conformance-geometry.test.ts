/** The shared geometry suite (models/testing/geometry-suite.ts) over every registered family. */
import { describe, expect, it } from 'vitest';
import { describeGeometryConformance } from '../testing/geometry-suite.ts';
import { FAMILIES } from './registry.ts';
import { GEOMETRY } from './testing.ts';

it('every registered family has geometry parameters, and only those', () => {
  expect(Object.keys(GEOMETRY).sort()).toEqual(FAMILIES.map((f) => f.name).sort());
});

describe.each(FAMILIES.map((family) => [family.name, family] as const))('%s geometry', (name, family) => {
  const params = GEOMETRY[name];
  if (!params) throw new Error(`models/families/testing.ts has no geometry parameters for ${name}`);
  describeGeometryConformance(family, params);
});
