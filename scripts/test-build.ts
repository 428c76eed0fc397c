/**
 * Vitest globalSetup: bundles the CLI and the engine once per test run, so the tests that spawn
 * bin/tessera.mjs or fork the engine run what ships, built from the current source — never a stale build.
 * A build that fails (a file mid-edit) removes the old bundles rather than test them: those tests then run
 * the source through tsx and fail on the same error, and tests that spawn nothing still run.
 */
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { buildCli } from './build.ts';

export default async function setup(): Promise<void> {
  try {
    await buildCli();
  } catch (error) {
    console.warn(
      `test-build: the CLI and engine bundles did not build; tests run them from source.\n${error}`,
    );
    for (const dir of ['cli', 'engine']) {
      rmSync(fileURLToPath(new URL(`../dist/${dir}/`, import.meta.url)), { recursive: true, force: true });
    }
  }
}
