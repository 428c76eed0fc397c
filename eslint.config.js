// Boundaries between the parts of the app are enforced here, VS Code style: models/ never sees Electron,
// renderer/ never sees Node or Electron, app/ is shared by both and so sees neither; inside models/, the
// product never imports the test-model generator or test helpers, only onnx.ts imports onnxruntime, and a
// family's geometry (what the main process plans with) never loads sharp or pixel code. main/ reaches models/
// through a short list of modules. scripts/lint-boundaries.test.ts proves each rule bites.
//
// ESLint keeps only the last matching block's options for a rule, so every block below lists all the
// restrictions for its files (`restrict(...)` joins the groups).
import js from '@eslint/js';
import importX, { createNodeResolver } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

const nodeBuiltins = [
  'node:*',
  'fs',
  'path',
  'os',
  'child_process',
  'worker_threads',
  'crypto',
  'url',
  'stream',
];

const TESTS = ['**/*.test.ts', '**/*.test.tsx'];
/** Test helpers: loaded by tests only, so they may use what tests use. */
const TEST_SUPPORT = [
  'models/testing/**',
  'models/**/testing/**',
  'models/**/testing.ts',
  'main/**/testing/**',
];

const NO_APP_LAYERS = {
  group: ['electron', '**/main/**', '**/renderer/**'],
  message: 'models/ runs in the engine process and the CLI: it never sees Electron, main/ or renderer/.',
};
const NO_TEST_TOOLS = {
  group: ['**/generate/**', '**/testing/**', '**/testing.ts'],
  message:
    'Product code never imports the test-model generator (models/generate/) or test helpers (models/testing/, ' +
    'testing.ts); only tests do.',
};
const NO_ONNXRUNTIME = {
  group: [
    'onnxruntime-node',
    'onnxruntime-node/*',
    'onnxruntime-common',
    'onnxruntime-common/*',
    'onnxruntime-web',
  ],
  message:
    'Only models/runtime/onnx.ts imports onnxruntime: pass TensorData or a GraphSession, or take names from ' +
    'models/runtime/devices.ts.',
};
/** A family's engine-only files: pixels (sharp), feature layout, positions, and the entries that bind them. */
const FAMILY_PIXEL_FILES = [
  'models/families/pixels.ts',
  'models/families/pillow-resample.ts',
  'models/families/engines.ts',
  'models/families/*/engine.ts',
  'models/families/*/preprocess.ts',
  'models/families/*/video-preprocess.ts',
  'models/families/*/arrange.ts',
  'models/families/*/rope.ts',
];
const NO_PIXELS = {
  group: [
    'sharp',
    '**/image/decode.ts',
    '**/runtime/onnx.ts',
    ...FAMILY_PIXEL_FILES.map((file) => `**/${file.split('/').slice(-1)[0]}`),
  ],
  message:
    "A family's geometry (config, plan, prompt) is what the main process loads to plan an image: no sharp, no " +
    'onnxruntime, no pixel code. Pixel code goes in the files eslint.config.js names in FAMILY_PIXEL_FILES.',
  // `import type` is erased and loads nothing (family.ts names DecodedImage in the FamilyModel contract).
  allowTypeImports: true,
};
const NO_RENDERER = {
  group: ['**/renderer/**'],
  message: 'main/ never imports renderer/: the two talk through the IPC contract in app/.',
};

/**
 * What main/ may import from models/ (everything else runs in the engine process):
 * - the engine client: engine/client.ts, fork.ts, process.ts, protocol.ts (types and schemas), watchdog.ts;
 * - family geometry: families/family.ts, registry.ts, plan-folder.ts and each family's geometry files;
 * - errors.ts and files/* (bounded reads of JSON, LFS pointers: the model scan and downloads read them);
 * - image/decode.ts: the services read an attachment's size and hash before the engine sees it (this one loads
 *   sharp into the main process);
 * - runtime/devices.ts, model-folder.ts (layout names, readModelJson) and folder-problem.ts (the scan's checks
 *   of a folder): plain file and JSON reading, no onnxruntime.
 */
const MAIN_MAY_IMPORT = [
  'errors',
  'engine/(client|fork|process|protocol|watchdog)',
  'families/(family|registry|plan-folder|region|json-source)',
  'families/[^/]+/(geometry|config|plan|prompt|anyres|video-plan)',
  'files/[^/]+',
  'image/decode',
  'runtime/(devices|model-folder|folder-problem)',
];
const mainToModels = (allowed) => ({
  regex: `^(\\.\\./)+models/(?!(${allowed.join('|')})\\.ts$)`,
  message:
    'main/ reaches models/ only through the engine client, family geometry, errors, files and the few pure ' +
    'modules listed in eslint.config.js (MAIN_MAY_IMPORT); the rest belongs to the engine process.',
});

const restrict = (...patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'coverage/**', '.cache/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Import cycles: each leaves a module half-initialised depending on which side loads first. Type-only
    // imports are erased and do not count.
    files: ['**/*.ts', '**/*.tsx'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createNodeResolver()],
      'import-x/extensions': ['.ts', '.tsx', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts', '.tsx'] },
    },
    rules: { 'import-x/no-cycle': ['error', { ignoreExternal: true }] },
  },
  // models/: the product.
  { files: ['models/**'], rules: restrict(NO_APP_LAYERS, NO_TEST_TOOLS, NO_ONNXRUNTIME) },
  {
    files: ['models/families/**'],
    ignores: FAMILY_PIXEL_FILES,
    rules: restrict(NO_APP_LAYERS, NO_TEST_TOOLS, NO_ONNXRUNTIME, NO_PIXELS),
  },
  // The one module that owns onnxruntime (docs/ARCHITECTURE.md, "The engine").
  { files: ['models/runtime/onnx.ts'], rules: restrict(NO_APP_LAYERS, NO_TEST_TOOLS) },
  // The test-model generator is a tool: it may read the product (families' configs), never onnxruntime.
  { files: ['models/generate/**'], rules: restrict(NO_APP_LAYERS, NO_ONNXRUNTIME) },
  // Tests and their helpers run graphs with onnxruntime directly to check the generator and the runtime.
  { files: TESTS.map((t) => `models/${t}`).concat(TEST_SUPPORT), rules: restrict(NO_APP_LAYERS) },
  // main/: the Electron main process and the CLI.
  { files: ['main/**'], rules: restrict(NO_RENDERER, NO_ONNXRUNTIME, mainToModels(MAIN_MAY_IMPORT)) },
  {
    // `tessera make-model` is the generator's CLI: a development tool that never runs inside Electron.
    files: ['main/cli/make-model.ts'],
    rules: restrict(NO_RENDERER, NO_ONNXRUNTIME, mainToModels([...MAIN_MAY_IMPORT, 'generate/index'])),
  },
  { files: TESTS.map((t) => `main/${t}`).concat(['main/**/testing/**']), rules: restrict(NO_RENDERER) },
  // Benchmarks and scripts go through the runtime like the app does...
  { files: ['bench/**', 'scripts/**'], ignores: TESTS, rules: restrict(NO_ONNXRUNTIME) },
  // ...except the decode profiler, which reads onnxruntime's own profiler output.
  { files: ['bench/decode-profile.ts'], rules: { 'no-restricted-imports': 'off' } },
  {
    files: ['app/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: ['electron', ...nodeBuiltins, '**/main/**', '**/models/**', '**/renderer/**'] },
      ],
    },
  },
  {
    files: ['renderer/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: ['electron', ...nodeBuiltins, '**/main/**', '**/models/**'] },
      ],
    },
  },
);
