// Boundaries between the parts of the app are enforced here, VS Code style: models/ never sees Electron,
// renderer/ never sees Node or Electron, app/ is shared by both and so sees neither.
import js from '@eslint/js';
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
    files: ['models/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: ['electron', '**/main/**', '**/renderer/**'] }] },
  },
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
