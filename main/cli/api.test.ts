/** `tessera api` and `serve --api` refusing what they cannot do: a real process, exit codes and stderr. */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const bin = fileURLToPath(new URL('../../bin/tessera.mjs', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'tessera-api-cli-'));

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Runs tessera without blocking this process (a test's own server must keep listening meanwhile). */
function tessera(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [bin, ...args], { cwd: scratch, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

describe('tessera api on the command line', () => {
  it('exits 2 with one line for bad flags', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['api', '--port', '70000'], /--port must be at most 65535/],
      [['api', '--port', 'eighty'], /--port must be an integer/],
      [['api', 'extra'], /unexpected argument "extra"/],
      [['serve', '--api-port', '5000'], /--api-port goes with --api/],
    ];
    for (const [args, pattern] of cases) {
      const run = await tessera(...args, '--data-dir', join(scratch, 'data'));
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr.trim().split('\n')[0]).toMatch(pattern);
    }
  });

  it('exits 1 saying the port is in use, and prints no address', async () => {
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    const port = (squatter.address() as AddressInfo).port;
    try {
      const { code, stdout, stderr } = await tessera(
        'api',
        '--port',
        String(port),
        '--data-dir',
        join(scratch, 'busy'),
      );
      expect(code).toBe(1);
      expect(stdout).toBe('');
      expect(stderr.trim().split('\n').at(-1)).toBe(
        `tessera api: The API server could not start: Port ${port} is in use by another program; choose another port.`,
      );
    } finally {
      squatter.close();
    }
  });
});
