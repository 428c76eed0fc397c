/** The shared transformers.js oracle suite on the other half of the test models (see conformance-oracle.test.ts). */
import { describeOracleRegistry } from '../testing/oracle-suite.ts';
import { FAMILIES } from './registry.ts';
import { ORACLE } from './testing.ts';

describeOracleRegistry(ORACLE, FAMILIES, { index: 1, of: 2 });
