/** forkEngineProcess runs the bundled engine (built for the tests by scripts/test-build.ts) under plain Node. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EngineClient } from './client.ts';

describe.skipIf(process.platform !== 'linux')('forkEngineProcess', () => {
  it('starts dist/engine/entry.mjs without a TypeScript loader', async () => {
    const engine = EngineClient.spawn();
    try {
      await engine.ready;
      // The child's command line, as the kernel has it (arguments separated by NUL).
      const argv = readFileSync(`/proc/${engine.pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
      expect(argv.slice(1)).toEqual([expect.stringMatching(/[/\\]dist[/\\]engine[/\\]entry\.mjs$/)]);
    } finally {
      engine.close();
    }
  });
});
