/** `tessera serve` as a user runs it: a real process that prints its URL, serves, and stops on SIGTERM. */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { testModelDir } from '../../models/testing/test-models.ts';
import { defaultDataDir } from './serve.ts';

const bin = fileURLToPath(new URL('../../bin/tessera.mjs', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'tessera-serve-cli-'));
const rendererDir = join(scratch, 'renderer');
let model: string;

beforeAll(async () => {
  model = await testModelDir({ family: 'smolvlm', size: 'tiny', dtype: 'fp32', seed: 1 });
  mkdirSync(rendererDir);
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Tessera UI</title>');
});

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('tessera serve', () => {
  it('prints the URL with its token, serves the UI and the API, and exits 0 on SIGTERM', async () => {
    // A stand-in renderer: the real build may not exist in a test checkout.
    const child = spawn(
      process.execPath,
      [
        bin,
        'serve',
        '--port',
        '0',
        '--data-dir',
        join(scratch, 'data'),
        '--model-dir',
        model,
        '--renderer-dir',
        rendererDir,
      ],
      { cwd: scratch, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env } },
    );
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    try {
      const line = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
          if (stdout.includes('\n')) resolve(stdout.split('\n')[0] as string);
        });
        child.on('exit', (code) => reject(new Error(`exited ${code} before printing: ${stderr}`)));
      });
      expect(line).toMatch(/^Tessera is running at http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{32}$/);
      const url = new URL(line.replace('Tessera is running at ', ''));
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('Tessera UI');

      const ws = new WebSocket(`ws://${url.host}/ws?token=${url.searchParams.get('token')}`, {
        origin: url.origin,
      });
      const reply = await new Promise<unknown>((resolve, reject) => {
        ws.once('open', () =>
          ws.send(JSON.stringify({ id: 1, type: 'request', name: 'models.list', input: {} })),
        );
        ws.once('message', (data: Buffer) => resolve(JSON.parse(data.toString())));
        ws.once('error', reject);
      });
      ws.close();
      expect(reply).toMatchObject({ id: 1, type: 'result', result: { ok: true, value: [{ dir: model }] } });
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited, stderr).toBe(0);
    expect(stderr).toContain('shutting down');
  });

  it('fails with a clear message when the renderer is not built, and on bad options', () => {
    const run = (...args: string[]) =>
      spawnSync(process.execPath, [bin, 'serve', '--data-dir', join(scratch, 'data2'), ...args], {
        encoding: 'utf8',
        timeout: 60_000,
      });
    const unbuilt = run('--renderer-dir', join(scratch, 'nope'));
    expect(unbuilt.status).toBe(1);
    expect(unbuilt.stderr).toMatch(/npm run build:renderer/);
    expect(unbuilt.stdout).toBe('');
    expect(run('--port', 'x').status).toBe(2);
    expect(run('--port', '70000').status).toBe(2);
    expect(run('--hub-endpoint', 'ftp://x').status).toBe(2);
  });

  it('keeps its data where the OS expects it', () => {
    expect(defaultDataDir('linux', {}, '/home/a')).toBe('/home/a/.local/share/tessera');
    expect(defaultDataDir('linux', { XDG_DATA_HOME: '/data' }, '/home/a')).toBe('/data/tessera');
    expect(defaultDataDir('darwin', {}, '/Users/a')).toBe('/Users/a/Library/Application Support/Tessera');
    expect(defaultDataDir('win32', { APPDATA: 'C:\\Users\\a\\AppData\\Roaming' }, 'C:\\Users\\a')).toMatch(
      /Roaming[\\/]Tessera$/,
    );
  });
});
