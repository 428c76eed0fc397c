/**
 * The OpenAI-compatible API as the README shows it: `tessera api` and `tessera serve --api` as separate
 * processes (real engine, real SQLite), driven by curl and by the official `openai` package.
 */
import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { noiseImage } from '../models/testing/images.ts';
import { testModelDir } from '../models/testing/test-models.ts';
import { byId, openSession, screenshot } from './harness.ts';

const bin = fileURLToPath(new URL('../bin/tessera.mjs', import.meta.url));
const CURL = '/usr/bin/curl';
const run = promisify(execFile);
const scratch = mkdtempSync(join(tmpdir(), 'tessera-api-e2e-'));
let modelDir: string;
let pngDataUrl: string;

interface Running {
  child: ChildProcess;
  /** Every line printed on stdout and stderr so far. */
  stdout: string[];
  stderr: string[];
  stop(): Promise<number | null>;
}

/** Starts a `tessera` command and waits until stdout has a line matching `ready`. */
async function start(args: string[], ready: RegExp, env: Record<string, string> = {}): Promise<Running> {
  const child = spawn(process.execPath, [bin, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  const out: Running = {
    child,
    stdout: [],
    stderr: [],
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
        child.once('exit', (code) => resolve(code));
        child.kill('SIGTERM');
      }),
  };
  const lines = (into: string[]) => {
    let rest = '';
    return (chunk: Buffer) => {
      const parts = (rest + chunk.toString()).split('\n');
      rest = parts.pop() ?? '';
      into.push(...parts);
    };
  };
  child.stderr?.on('data', lines(out.stderr));
  await new Promise<void>((resolve, reject) => {
    const onOut = lines(out.stdout);
    child.stdout?.on('data', (chunk: Buffer) => {
      onOut(chunk);
      if (out.stdout.some((line) => ready.test(line))) resolve();
    });
    child.once('exit', (code) => reject(new Error(`tessera exited with ${code}: ${out.stderr.join('\n')}`)));
  });
  return out;
}

const baseUrlOf = (p: Running) =>
  (p.stdout.find((line) => line.startsWith('OpenAI-compatible API at ')) ?? '').replace(
    'OpenAI-compatible API at ',
    '',
  );

async function keyOf(p: Running): Promise<string> {
  // The key line goes to stderr just after the address; wait for it rather than race it.
  for (let i = 0; i < 100 && !p.stderr.some((l) => l.startsWith('API key: ')); i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return (p.stderr.find((line) => line.startsWith('API key: ')) ?? '').replace('API key: ', '');
}

async function curl(args: string[]): Promise<{ status: number; body: string }> {
  const { stdout } = await run(CURL, ['-sS', '-w', '\n%{http_code}', ...args], {
    maxBuffer: 64 * 1024 * 1024,
  });
  const cut = stdout.lastIndexOf('\n');
  return { status: Number(stdout.slice(cut + 1)), body: stdout.slice(0, cut) };
}

beforeAll(async () => {
  modelDir = await testModelDir({ family: 'smolvlm', size: 'tiny', dtype: 'fp32', seed: 1 });
  pngDataUrl = `data:image/png;base64,${Buffer.from(await noiseImage(120, 90, 3)).toString('base64')}`;
});

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('tessera api', () => {
  let api: Running;
  let baseUrl: string;
  let key: string;
  let model: string;

  beforeAll(async () => {
    api = await start(
      ['api', '--port', '0', '--model-dir', modelDir, '--data-dir', join(scratch, 'api')],
      /^OpenAI-compatible API at /,
    );
    baseUrl = baseUrlOf(api);
    key = await keyOf(api);
    const list = await curl([`${baseUrl}/models`, '-H', `Authorization: Bearer ${key}`]);
    model = (JSON.parse(list.body) as { data: { id: string }[] }).data[0]?.id ?? '';
  });

  afterAll(async () => {
    expect(await api?.stop()).toBe(0);
    expect(api.stderr.join('\n')).toContain('shutting down');
  });

  it('prints the address on stdout and the key on stderr', () => {
    expect(baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    expect(key).toMatch(/^tsk-[\w-]{32}$/);
    expect(model).not.toBe('');
  });

  it('answers curl with an image as a data: URL, in one JSON object', async () => {
    const body = {
      model,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in this image?' },
            { type: 'image_url', image_url: { url: pngDataUrl } },
          ],
        },
      ],
      max_tokens: 8,
    };
    const { status, body: text } = await curl([
      `${baseUrl}/chat/completions`,
      '-H',
      `Authorization: Bearer ${key}`,
      '-H',
      'Content-Type: application/json',
      '-d',
      JSON.stringify(body),
    ]);
    expect(status, text).toBe(200);
    const answer = JSON.parse(text) as {
      object: string;
      choices: { message: { role: string; content: string }; finish_reason: string }[];
      usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
      tessera: { plans: { original: { width: number; height: number } }[] };
    };
    expect(answer.object).toBe('chat.completion');
    expect(answer.choices[0]?.message.role).toBe('assistant');
    expect(['stop', 'length']).toContain(answer.choices[0]?.finish_reason);
    expect(answer.usage.completion_tokens).toBeLessThanOrEqual(8);
    expect(answer.usage.total_tokens).toBe(answer.usage.prompt_tokens + answer.usage.completion_tokens);
    expect(answer.tessera.plans[0]?.original).toEqual({ width: 120, height: 90 });
  });

  it('streams to curl -N as server-sent events ending in [DONE], usage included', async () => {
    const { status, body } = await curl([
      '-N',
      `${baseUrl}/chat/completions`,
      '-H',
      `Authorization: Bearer ${key}`,
      '-H',
      'Content-Type: application/json',
      '-d',
      JSON.stringify({
        model,
        messages: [{ role: 'user', content: 'Say hello.' }],
        max_tokens: 5,
        stream: true,
        stream_options: { include_usage: true },
      }),
    ]);
    expect(status).toBe(200);
    const events = body.split('\n\n').filter((e) => e.trim() !== '');
    expect(events.every((e) => e.startsWith('data: '))).toBe(true);
    expect(events.at(-1)).toBe('data: [DONE]');
    const chunks = events
      .slice(0, -1)
      .map((e) => JSON.parse(e.slice('data: '.length)) as Record<string, never>);
    expect(chunks[0]).toMatchObject({
      object: 'chat.completion.chunk',
      choices: [{ delta: { role: 'assistant' } }],
    });
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { completion_tokens: expect.any(Number) } });
  });

  it('refuses curl without the key (401) and with a bad body (400), in OpenAI’s error shape', async () => {
    const noKey = await curl([`${baseUrl}/models`]);
    expect(noKey.status).toBe(401);
    expect(JSON.parse(noKey.body)).toMatchObject({
      error: { type: 'invalid_request_error', code: 'invalid_api_key' },
    });
    const bad = await curl([
      `${baseUrl}/chat/completions`,
      '-H',
      `Authorization: Bearer ${key}`,
      '-d',
      '{"model":',
    ]);
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body)).toMatchObject({ error: { code: 'invalid_json' } });
  });

  it('works with the openai package as in the README, streaming and not', async () => {
    const client = new OpenAI({ baseURL: baseUrl, apiKey: key });
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual([model]);
    const answer = await client.chat.completions.create({
      model,
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Describe the picture.' },
            { type: 'image_url', image_url: { url: pngDataUrl, detail: 'low' } },
          ],
        },
      ],
      max_tokens: 6,
    });
    expect(answer.choices[0]?.message.role).toBe('assistant');
    expect(answer.usage?.prompt_tokens).toBeGreaterThan(0);
    const stream = await client.chat.completions.create({
      model,
      messages: [{ role: 'user', content: 'Count to three.' }],
      max_tokens: 6,
      stream: true,
    });
    let text = '';
    let finish: string | null = null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(['stop', 'length']).toContain(finish);
    expect(typeof text).toBe('string');
    const refused = await client.chat.completions
      .create({ model, messages: [], n: 2 })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(OpenAI.BadRequestError);
  });
});

describe('tessera serve --api', () => {
  it('runs the app and the API, with the key from TESSERA_API_KEY', async () => {
    const serve = await start(
      [
        'serve',
        '--port',
        '0',
        '--api',
        '--api-port',
        '0',
        '--model-dir',
        modelDir,
        '--data-dir',
        join(scratch, 'serve'),
      ],
      /^OpenAI-compatible API at /,
      { TESSERA_API_KEY: 'tsk-chosen-by-the-user' },
    );
    try {
      expect(serve.stdout[0]).toMatch(/^Tessera is running at http:\/\/127\.0\.0\.1:\d+\/\?token=/);
      expect(await keyOf(serve)).toBe('tsk-chosen-by-the-user');
      const client = new OpenAI({ baseURL: baseUrlOf(serve), apiKey: 'tsk-chosen-by-the-user' });
      const [model] = (await client.models.list()).data;
      const answer = await client.chat.completions.create({
        model: model?.id ?? '',
        messages: [{ role: 'user', content: 'Hello?' }],
        max_tokens: 3,
      });
      expect(answer.object).toBe('chat.completion');
    } finally {
      expect(await serve.stop()).toBe(0);
    }
  });
});

describe('Settings → Local API server, in Chromium', () => {
  it('turns the server on from the app, and a client uses the address and key it shows', async () => {
    const session = await openSession({ modelDirs: [modelDir] });
    try {
      const { page } = session;
      // A free port to type in (the setting takes a fixed port).
      const probe = createServer();
      await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
      const port = (probe.address() as AddressInfo).port;
      await new Promise((resolve) => probe.close(resolve));

      await page.locator(byId('engine-status')).click();
      const section = page.locator(byId('settings-api'));
      await section.scrollIntoViewIfNeeded();
      await section.locator(byId('api-port')).fill(String(port));
      await section.locator(byId('api-port')).blur();
      await section.locator(byId('api-enabled')).check();
      await section.locator(byId('api-address')).waitFor();
      const address = (await section.locator(`${byId('api-address')} code`).textContent()) ?? '';
      const key = (await section.locator(byId('api-key')).textContent()) ?? '';
      expect(address).toBe(`http://127.0.0.1:${port}/v1`);
      expect(key).toMatch(/^tsk-/);
      await screenshot(page, 'api-settings');

      const client = new OpenAI({ baseURL: address, apiKey: key });
      const [model] = (await client.models.list()).data;
      const answer = await client.chat.completions.create({
        model: model?.id ?? '',
        messages: [{ role: 'user', content: 'From outside the app.' }],
        max_tokens: 3,
      });
      expect(answer.object).toBe('chat.completion');

      // A new key: the old one is refused at once.
      await section.locator(byId('api-regenerate')).click();
      await expect.poll(() => section.locator(byId('api-key')).textContent()).not.toBe(key);
      const stale = await client.models.list().catch((error: unknown) => error);
      expect(stale).toBeInstanceOf(OpenAI.AuthenticationError);

      // Off: nothing listens there any more.
      await section.locator(byId('api-enabled')).uncheck();
      await expect.poll(() => section.locator(byId('api-address')).count()).toBe(0);
      const closed = await curl([`${address}/models`]).catch((error: unknown) => error);
      expect(closed).toBeInstanceOf(Error);
    } finally {
      await session.close();
    }
  });
});
