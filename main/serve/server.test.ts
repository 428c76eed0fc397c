/**
 * `tessera serve`'s transport over real sockets: the token and origin checks, the JSON protocol with bytes
 * through the wire codec, pushed events, close codes for frames that are not the protocol, the static
 * renderer with its headers and no way out of its folder, and loopback-only binding.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { Result } from '../../app/ipc/contract.ts';
import { decodeWire, encodeWire } from '../../app/ipc/wire.ts';
import { noiseImage } from '../../models/testing/images.ts';
import { testModelDir } from '../../models/testing/test-models.ts';
import { startHarness } from '../services/testing/harness.ts';
import type { Harness } from '../services/testing/harness.ts';
import { MAX_MESSAGE_BYTES, startServer } from './server.ts';
import type { RunningServer } from './server.ts';

const scratch = mkdtempSync(join(tmpdir(), 'tessera-serve-'));
const staticDir = join(scratch, 'renderer');
let h: Harness;
let server: RunningServer;
let origin: string;

beforeAll(async () => {
  mkdirSync(join(staticDir, 'assets'), { recursive: true });
  writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>Tessera</title>');
  writeFileSync(join(staticDir, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(join(scratch, 'secret.txt'), 'SECRET');
  symlinkSync(join(scratch, 'secret.txt'), join(staticDir, 'link.txt'));
  h = startHarness({
    modelDirs: [await testModelDir({ family: 'smolvlm', size: 'tiny', dtype: 'fp32', seed: 1 })],
  });
  server = await startServer({ services: h.services, staticDir, port: 0, log: () => {} });
  origin = `http://127.0.0.1:${server.port}`;
});

afterAll(async () => {
  await server?.close();
  await h?.close();
  rmSync(scratch, { recursive: true, force: true });
});

/** Opens a socket; rejects with the HTTP status when the handshake is refused. */
function open(path: string, headers: { origin?: string } = { origin }): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}${path}`, headers);
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

class Client {
  private nextId = 1;
  private readonly pending = new Map<number, (result: Result<unknown>) => void>();
  readonly events: Array<{ name: string; payload: unknown }> = [];

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      const frame = decodeWire(JSON.parse(data.toString())) as
        | { type: 'result'; id: number; result: Result<unknown> }
        | { type: 'event'; name: string; payload: unknown };
      if (frame.type === 'result') this.pending.get(frame.id)?.(frame.result);
      else this.events.push(frame);
    });
  }

  request(name: string, input: unknown): Promise<Result<unknown>> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.ws.send(JSON.stringify(encodeWire({ id, type: 'request', name, input })));
    });
  }

  async value<T>(name: string, input: unknown): Promise<T> {
    const result = await this.request(name, input);
    if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
    return result.value as T;
  }
}

const closed = (ws: WebSocket) =>
  new Promise<number>((resolve) => ws.once('close', (code: number) => resolve(code)));

function get(path: string, method = 'GET') {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: string }>(
    (resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port: server.port, path, method }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      });
      req.on('error', reject);
      req.end();
    },
  );
}

describe('WebSocket endpoint', () => {
  it('prints a loopback URL with a random token', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{32}$/);
    expect(server.url).toContain(server.token);
  });

  it('refuses a missing or wrong token (401), another origin (403) and other paths (404)', async () => {
    await expect(open('/ws')).rejects.toThrow('HTTP 401');
    await expect(open('/ws?token=nope')).rejects.toThrow('HTTP 401');
    await expect(open(`/ws?token=${server.token.slice(0, -1)}x`)).rejects.toThrow('HTTP 401');
    await expect(open(`/ws?token=${server.token}`, { origin: 'http://evil.example' })).rejects.toThrow(
      'HTTP 403',
    );
    await expect(open(`/ws?token=${server.token}`, { origin: 'http://127.0.0.1:1' })).rejects.toThrow(
      'HTTP 403',
    );
    await expect(open(`/ws?token=${server.token}`, {})).rejects.toThrow('HTTP 403');
    await expect(open(`/other?token=${server.token}`)).rejects.toThrow('HTTP 404');
  });

  it('answers requests with Result envelopes', async () => {
    const client = new Client(await open(`/ws?token=${server.token}`));
    try {
      const thread = await client.value<{ id: string; title: string }>('threads.create', {
        title: 'Over WS',
      });
      expect(thread.title).toBe('Over WS');
      const detail = await client.value<{ thread: { id: string } }>('threads.get', { id: thread.id });
      expect(detail.thread.id).toBe(thread.id);
      expect(await client.request('threads.get', { id: 'nope' })).toMatchObject({
        ok: false,
        error: { code: 'NOT_FOUND' },
      });
      expect(await client.request('threads.create', { title: 7 })).toMatchObject({
        error: { code: 'BAD_REQUEST' },
      });
      expect(await client.request('nope', {})).toMatchObject({ error: { code: 'BAD_REQUEST' } });
      expect(await client.request('images.get', { sha256: { $bytes: '@@@' } })).toMatchObject({
        error: { code: 'BAD_REQUEST' },
      });
    } finally {
      client.ws.close();
    }
  });

  it('carries image bytes both ways, and pushes answer events', async () => {
    const client = new Client(await open(`/ws?token=${server.token}`));
    try {
      const bytes = await noiseImage(90, 60, 7);
      const attached = await client.value<{ image: { sha256: string; detail: string } }>('images.attach', {
        name: 'noise.png',
        data: bytes,
      });
      const back = await client.value<Uint8Array>('images.get', { sha256: attached.image.sha256 });
      expect(back).toBeInstanceOf(Uint8Array);
      expect(Buffer.from(back).equals(Buffer.from(bytes))).toBe(true);

      const thread = await client.value<{ id: string }>('threads.create', {});
      const sent = await client.value<{ assistantMessage: { id: string } }>('chat.send', {
        threadId: thread.id,
        parentId: null,
        content: [
          { type: 'image', image: attached.image },
          { type: 'text', text: 'What is it?' },
        ],
      });
      const id = sent.assistantMessage.id;
      const deadline = Date.now() + 60_000;
      while (!client.events.some((e) => e.name === 'answer.done' && hasId(e.payload, id))) {
        if (Date.now() > deadline) throw new Error('no answer.done');
        await new Promise((r) => setTimeout(r, 10));
      }
      const deltas = client.events.filter((e) => e.name === 'answer.delta');
      expect(deltas.length).toBeGreaterThan(0);
      const done = client.events.find((e) => e.name === 'answer.done')?.payload as {
        message: { status: string };
      };
      expect(done.message.status).toBe('complete');
    } finally {
      client.ws.close();
    }
  });

  it('closes with a code on frames that are not the protocol, and keeps serving others', async () => {
    const cases: Array<[(ws: WebSocket) => void, number]> = [
      [(ws) => ws.send(Buffer.from([1, 2, 3])), 1003],
      [(ws) => ws.send('{not json'), 1007],
      [(ws) => ws.send(JSON.stringify({ type: 'request', name: 'threads.list', input: {} })), 1008],
      [(ws) => ws.send('x'.repeat(MAX_MESSAGE_BYTES + 1)), 1009],
    ];
    for (const [sendBad, code] of cases) {
      const ws = await open(`/ws?token=${server.token}`);
      const closing = closed(ws);
      sendBad(ws);
      expect(await closing).toBe(code);
    }
    const client = new Client(await open(`/ws?token=${server.token}`));
    expect(await client.request('threads.list', {})).toMatchObject({ ok: true });
    client.ws.close();
  });
});

describe('static renderer', () => {
  it('serves index.html for / with the CSP and security headers', async () => {
    const page = await get(`/?token=${server.token}`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>Tessera</title>');
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    const csp = page.headers['content-security-policy'] as string;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self' ws://127.0.0.1:*");
    expect(csp).not.toMatch(/unsafe-eval/);
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    const script = await get('/assets/app.js');
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect((await get('/assets/app.js', 'HEAD')).body).toBe('');
    expect((await get('/missing.js')).status).toBe(404);
    expect((await get('/', 'POST')).status).toBe(405);
  });

  it('never serves a file outside its folder', async () => {
    const attempts = [
      '/../secret.txt',
      '/assets/../../secret.txt',
      '/..%2fsecret.txt',
      '/%2e%2e/secret.txt',
      '/%2e%2e%2fsecret.txt',
      '/assets/..%5c..%5csecret.txt',
      '/..\\secret.txt',
      `/${encodeURIComponent(join(scratch, 'secret.txt'))}`,
      '//secret.txt',
      '/%00index.html',
      '/%E0%A4%A.txt',
      '/link.txt', // a symbolic link inside pointing outside
    ];
    for (const path of attempts) {
      const response = await get(path);
      expect([400, 403, 404], path).toContain(response.status);
      expect(response.body, path).not.toContain('SECRET');
    }
  });
});

describe('binding', () => {
  it('refuses a non-loopback host unless it was chosen explicitly', async () => {
    const options = { services: h.services, staticDir, port: 0, log: () => {} };
    await expect(startServer({ ...options, host: '0.0.0.0' })).rejects.toThrow(/--host/);
    await expect(startServer({ ...options, host: '192.168.1.10' })).rejects.toThrow(/loopback/);
    const open = await startServer({ ...options, host: '0.0.0.0', allowNonLoopback: true });
    try {
      expect(open.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=/);
    } finally {
      await open.close();
    }
    const local = await startServer({ ...options, host: 'localhost' });
    await local.close();
  });
});

const hasId = (payload: unknown, id: string) => (payload as { message?: { id?: string } }).message?.id === id;
