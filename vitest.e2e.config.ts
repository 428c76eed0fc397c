import { defineConfig } from 'vitest/config';

// End-to-end tests: a real `tessera serve` and Debian's Chromium. One file at a time, long timeouts.
export default defineConfig({
  test: {
    include: ['e2e/**/*.e2e.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 300_000,
    // Tests spawn the bundled CLI and engine: built here once, from the current source.
    globalSetup: ['scripts/test-build.ts'],
    pool: 'forks',
    maxWorkers: 1,
    fileParallelism: false,
    // The UI updates asynchronously (WebSocket round trips, streaming): give polled expectations time.
    expect: { poll: { timeout: 20_000 } },
  },
});
