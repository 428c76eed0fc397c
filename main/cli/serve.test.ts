/** `tessera serve` as a user runs it: a real process that prints its URL, serves, and stops on SIGTERM. */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { testModelDir } from '../../models/testing/test-models.ts';
import { LocalHub } from '../hub/local-hub.ts';
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

/** A running `tessera serve`: its URL (token included), its stderr so far, and a SIGTERM that awaits exit. */
async function startServe(args: string[]) {
  const child = spawn(
    process.execPath,
    [bin, 'serve', '--port', '0', '--renderer-dir', rendererDir, ...args],
    {
      cwd: scratch,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env },
    },
  );
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let stdout = '';
  const out = { stderr: '' };
  child.stderr.on('data', (chunk: Buffer) => (out.stderr += chunk.toString()));
  const line = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('\n')) resolve(stdout.split('\n')[0] as string);
    });
    child.on('exit', (code) => reject(new Error(`exited ${code} before printing: ${out.stderr}`)));
  });
  const url = new URL(line.replace('Tessera is running at ', ''));
  return {
    line,
    url,
    out,
    stop: () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

/** The contract over the server's WebSocket: requests answered by id, and every event pushed. */
async function connect(url: URL) {
  const ws = new WebSocket(`ws://${url.host}/ws?token=${url.searchParams.get('token')}`, {
    origin: url.origin,
  });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const events: { name: string; payload: Record<string, unknown> }[] = [];
  const pending = new Map<number, (result: unknown) => void>();
  ws.on('message', (data: Buffer) => {
    const frame = JSON.parse(data.toString()) as {
      id?: number;
      type: string;
      name: string;
      payload: never;
      result: unknown;
    };
    if (frame.type === 'event') events.push({ name: frame.name, payload: frame.payload });
    else if (frame.id !== undefined) pending.get(frame.id)?.(frame.result);
  });
  let next = 1;
  return {
    events,
    request: (name: string, input: unknown) =>
      new Promise<{ ok: boolean; value?: unknown; error?: unknown }>((resolve) => {
        const id = next++;
        pending.set(id, resolve as (result: unknown) => void);
        ws.send(JSON.stringify({ id, type: 'request', name, input }));
      }),
    close: () => ws.close(),
  };
}

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

  it('downloads a model from --hub-endpoint into <data-dir>/models and lists it', async () => {
    const repo = 'tessera-test/smolvlm-tiny';
    const hub = await LocalHub.start({ [repo]: model });
    const dataDir = join(scratch, 'data-hub');
    const serve = await startServe(['--data-dir', dataDir, '--hub-endpoint', hub.url]);
    try {
      const client = await connect(serve.url);
      const catalog = await client.request('catalog.get', {});
      expect(catalog).toMatchObject({
        ok: true,
        value: { modelsDir: join(dataDir, 'models'), hub: { endpoint: hub.url, endpointSource: 'flag' } },
      });
      const started = (await client.request('downloads.start', { repo })) as {
        ok: true;
        value: { id: string };
      };
      expect(started).toMatchObject({ ok: true, value: { repo, state: 'downloading' } });
      const end = Date.now() + 60_000;
      const finished = () =>
        client.events.find(
          (e) =>
            e.name === 'downloads.progress' &&
            e.payload.id === started.value.id &&
            ['done', 'failed'].includes(e.payload.state as string),
        );
      while (!finished() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
      expect(finished()?.payload).toMatchObject({ state: 'done', error: null });
      // models.changed follows the done event in its own WebSocket frame: wait for it too.
      await expect.poll(() => client.events.some((e) => e.name === 'models.changed')).toBe(true);
      const models = await client.request('models.list', {});
      expect(models).toMatchObject({
        ok: true,
        value: [
          {
            dir: join(dataDir, 'models', 'tessera-test--smolvlm-tiny'),
            source: { repo, commit: hub.commit(repo) },
            removable: true,
          },
        ],
      });
      client.close();
    } finally {
      expect(await serve.stop(), serve.out.stderr).toBe(0);
      await hub.close();
    }
    expect(serve.out.stderr).toMatch(/No model found in .*Download one/);
  });

  it('starts over model folders linked to /dev/zero or holding LFS pointers, listing each with its problem', async () => {
    const models = join(scratch, 'hostile-models');
    mkdirSync(models);
    const copy = (name: string) => {
      cpSync(model, join(models, name), { recursive: true });
      return join(models, name);
    };
    for (const file of ['config.json', 'tokenizer.json']) {
      const dir = copy(`zero-${file}`);
      rmSync(join(dir, file));
      symlinkSync('/dev/zero', join(dir, file));
    }
    writeFileSync(
      join(copy('lfs'), 'onnx', 'decoder_model_merged.onnx'),
      `version https://git-lfs.github.com/spec/v1\noid sha256:${'2d'.repeat(32)}\nsize 4000\n`,
    );
    copy('sound');
    const started = Date.now();
    const serve = await startServe(['--data-dir', join(scratch, 'data-hostile'), '--model-dir', models]);
    try {
      expect(Date.now() - started).toBeLessThan(30_000);
      const client = await connect(serve.url);
      const list = (await client.request('models.list', {})) as {
        ok: boolean;
        value: Array<{ name: string; problem?: string }>;
      };
      client.close();
      expect(list.ok).toBe(true);
      const problems = Object.fromEntries(list.value.map((m) => [m.name, m.problem ?? null]));
      expect(problems).toEqual({
        lfs: expect.stringMatching(
          /^onnx\/decoder_model_merged\.onnx is a Git LFS pointer \(the real file is 4\.0 kB\)/,
        ),
        sound: null,
        'zero-config.json': expect.stringMatching(/config\.json is not a regular file \(a device\)/),
        'zero-tokenizer.json': expect.stringMatching(/tokenizer\.json is not a regular file \(a device\)/),
      });
    } finally {
      expect(await serve.stop(), serve.out.stderr).toBe(0);
    }
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
