import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{app,main,models,renderer,bench,scripts}/**/*.test.ts', 'renderer/**/*.test.tsx'],
    // Model generation and ONNX sessions are CPU-heavy; the machine has two cores.
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // Tests spawn the bundled CLI and engine: built here once, from the current source.
    globalSetup: ['scripts/test-build.ts'],
    pool: 'forks',
    maxWorkers: 2,
  },
});
