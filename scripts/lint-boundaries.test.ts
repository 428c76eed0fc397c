/**
 * The import boundaries in eslint.config.js bite: each forbidden import below fails lint with its rule's
 * message, each allowed one passes, and an import cycle is reported. Code is linted as if it sat at the path
 * given, through ESLint's Node API and the project's own config.
 */
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// Only the boundary rule: the rest of the rule set is beside the point, and no-cycle would walk the real graph.
const eslint = new ESLint({ cwd: root, ruleFilter: ({ ruleId }) => ruleId === 'no-restricted-imports' });

/** The no-restricted-imports messages for `code` placed at `filePath`. */
async function restrictions(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${code}\nexport {};\n`, { filePath: join(root, filePath) });
  return (result?.messages ?? []).map((m) => `${m.ruleId}: ${m.message}`);
}

describe('forbidden imports fail lint', () => {
  it.each([
    ['models/runtime/probe.ts', "import { makeModel } from '../generate/index.ts';", 'test-model generator'],
    ['models/engine/probe.ts', "import { testModelDir } from '../testing/test-models.ts';", 'test helpers'],
    [
      'models/families/llava/probe.ts',
      "import { generateLlava } from '../../generate/families/llava/generate.ts';",
      'test-model generator',
    ],
    ['models/families/llava/plan.ts', "import sharp from 'sharp';", "family's geometry"],
    ['models/families/llava/config.ts', "import { resize } from '../pixels.ts';", "family's geometry"],
    [
      'models/families/gemma3/geometry.ts',
      "import { preprocessGemma3 } from './preprocess.ts';",
      'pixel code',
    ],
    ['models/families/registry.ts', "import { llavaEngine } from './llava/engine.ts';", 'pixel code'],
    ['models/runtime/load.ts', "import ort from 'onnxruntime-node';", 'Only models/runtime/onnx.ts'],
    [
      'models/families/llava/preprocess.ts',
      "import * as ort from 'onnxruntime-common';",
      'Only models/runtime/onnx.ts',
    ],
    ['models/generate/probe.ts', "import ort from 'onnxruntime-node';", 'Only models/runtime/onnx.ts'],
    ['models/runtime/probe.ts', "import { app } from 'electron';", 'never sees Electron'],
    ['main/services/probe.ts', "import { api } from '../../renderer/lib/api.ts';", 'never imports renderer/'],
    [
      'main/services/probe.ts',
      "import { loadParts } from '../../models/runtime/load.ts';",
      'MAIN_MAY_IMPORT',
    ],
    [
      'main/services/probe.ts',
      "import { bindModelFolder } from '../../models/families/engines.ts';",
      'MAIN_MAY_IMPORT',
    ],
    ['main/cli/probe.ts', "import { DEVICES } from '../../models/runtime/onnx.ts';", 'MAIN_MAY_IMPORT'],
    ['main/cli/probe.ts', "import { makeModel } from '../../models/generate/index.ts';", 'MAIN_MAY_IMPORT'],
    ['bench/probe.ts', "import ort from 'onnxruntime-node';", 'Only models/runtime/onnx.ts'],
  ])('%s: %s', async (filePath, code, says) => {
    const messages = await restrictions(filePath, code);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(/^no-restricted-imports: /);
    expect(messages[0]).toContain(says);
  });
});

describe('allowed imports pass', () => {
  it.each([
    ['models/runtime/onnx.ts', "import ort from 'onnxruntime-node';"],
    ['models/families/llava/preprocess.ts', "import sharp from 'sharp';"],
    ['models/families/llava/geometry.ts', "import { planLlava } from './plan.ts';"],
    ['models/families/family.ts', "import type { DecodedImage } from '../image/decode.ts';"],
    ['models/runtime/probe.test.ts', "import { makeModel } from '../generate/index.ts';"],
    ['models/families/llava/testing.ts', "import { maxAbsDiff } from '../../testing/tensors.ts';"],
    [
      'models/generate/families/llava/probe.ts',
      "import { readLlavaConfig } from '../../../families/llava/config.ts';",
    ],
    ['main/services/probe.ts', "import { EngineClient } from '../../models/engine/client.ts';"],
    ['main/services/probe.ts', "import { bindFolder } from '../../models/families/plan-folder.ts';"],
    ['main/services/probe.ts', "import { readConfig } from '../../models/families/llava/config.ts';"],
    ['main/cli/probe.ts', "import { DEVICES } from '../../models/runtime/devices.ts';"],
    ['main/cli/make-model.ts', "import { makeModel } from '../../models/generate/index.ts';"],
    ['main/services/probe.test.ts', "import { loadParts } from '../../models/runtime/load.ts';"],
    ['bench/decode-profile.ts', "import ort from 'onnxruntime-node';"],
  ])('%s: %s', async (filePath, code) => {
    expect(await restrictions(filePath, code)).toEqual([]);
  });
});

describe('import cycles', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'tessera-lint-cycle-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('are reported by import-x/no-cycle', async () => {
    mkdirSync(join(scratch, 'models'));
    writeFileSync(
      join(scratch, 'models/a.ts'),
      "import { b } from './b.ts';\nexport const a = (): unknown => b;\n",
    );
    writeFileSync(
      join(scratch, 'models/b.ts'),
      "import { a } from './a.ts';\nexport const b = (): unknown => a;\n",
    );
    // The project's config, applied to a scratch folder shaped like the repository.
    const cycles = new ESLint({
      cwd: scratch,
      overrideConfigFile: join(root, 'eslint.config.js'),
      ruleFilter: ({ ruleId }) => ruleId === 'import-x/no-cycle',
    });
    const results = await cycles.lintFiles(['models/a.ts', 'models/b.ts']);
    expect(results.flatMap((r) => r.messages.map((m) => m.ruleId))).toEqual([
      'import-x/no-cycle',
      'import-x/no-cycle',
    ]);
  });
});
