/** The shared transformers.js oracle suite (models/testing/oracle-suite.ts) on every registered family's tiny models. */
import { describe, expect, it } from 'vitest';
import { describeNoOracle, describeOracleConformance } from '../testing/oracle-suite.ts';
import { FAMILIES } from './registry.ts';
import { ORACLE } from './testing.ts';

it('every registered family is in the oracle table (with test models, or why there are none), and only those', () => {
  expect(Object.keys(ORACLE).sort()).toEqual(FAMILIES.map((f) => f.name).sort());
  for (const models of Object.values(ORACLE)) {
    if ('notCompared' in models) expect(models.notCompared).not.toBe('');
    else expect(models.length).toBeGreaterThan(0);
  }
});

for (const family of FAMILIES) {
  const entry = ORACLE[family.name];
  if (entry === undefined) continue;
  if ('notCompared' in entry) {
    describeNoOracle(family.name, entry.notCompared);
    continue;
  }
  describe.each(entry.map((c) => [c.label, c] as const))('%s against transformers.js', (_label, c) => {
    describeOracleConformance(c);
  });
}
