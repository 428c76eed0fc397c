/**
 * The shared transformers.js oracle suite (models/testing/oracle-suite.ts) on every registered family's tiny
 * models: every other test model in registry order here, the rest in conformance-oracle-odd.test.ts, so that the
 * two test workers share the work.
 */
import { expect, it } from 'vitest';
import { describeOracleRegistry } from '../testing/oracle-suite.ts';
import { FAMILIES } from './registry.ts';
import { ORACLE } from './testing.ts';

it('every registered family is in the oracle table (with test models, or why there are none), and only those', () => {
  expect(Object.keys(ORACLE).sort()).toEqual(FAMILIES.map((f) => f.name).sort());
  for (const models of Object.values(ORACLE)) {
    if ('notCompared' in models) expect(models.notCompared).not.toBe('');
    else expect(models.length).toBeGreaterThan(0);
  }
});

describeOracleRegistry(ORACLE, FAMILIES, { index: 0, of: 2 });
