/** The shared runtime suite (models/testing/vlm-suite.ts) on every registered family's generated tiny models. */
import { describe, expect, it } from 'vitest';
import { describeVlmConformance } from '../testing/vlm-suite.ts';
import { FAMILIES } from './registry.ts';
import { VLM } from './testing.ts';

it('every registered family has at least one test model in the table, and only those', () => {
  expect(Object.keys(VLM).sort()).toEqual(FAMILIES.map((f) => f.name).sort());
  for (const models of Object.values(VLM)) expect(models.length).toBeGreaterThan(0);
});

const models = FAMILIES.flatMap((family) => VLM[family.name] ?? []);
describe.each(models.map((c) => [c.label, c] as const))('Vlm on a tiny generated %s', (_label, c) => {
  describeVlmConformance(c);
});
