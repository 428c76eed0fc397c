/**
 * Downloads through an HTTP proxy taken from the environment (or the client's options): a real minimal
 * proxy on 127.0.0.1 that tunnels CONNECT (what undici's EnvHttpProxyAgent sends, for http:// targets too)
 * and forwards absolute-URI requests, counting what passes through it.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { type IncomingMessage, type Server, type ServerResponse, createServer, request } from 'node:http';
import { type AddressInfo, type Socket, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { testModelDir } from '../../models/testing/test-models.ts';
import { LocalHub } from '../hub/local-hub.ts';
import { downloadModel } from './download-model.ts';
import { HubClient } from './hub-client.ts';

const REPO = 'tessera-test/smolvlm-tiny';
const PROXY_ENV = ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'NO_PROXY', 'no_proxy'];
const scratch = mkdtempSync(join(tmpdir(), 'tessera-proxy-'));
let source: string;
let hub: LocalHub;
let proxy: TestProxy;
let n = 0;
const savedEnv: Record<string, string | undefined> = {};

interface TestProxy {
  url: string;
  /** `CONNECT host:port` or `GET http://…`, in order. */
  seen: string[];
  /** Body and header bytes sent back to the client. */
  bytesToClient: number;
  close(): Promise<void>;
}

async function startProxy(): Promise<TestProxy> {
  const sockets = new Set<Socket>();
  const state = { seen: [] as string[], bytesToClient: 0 };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    // Plain forwarding: the request line holds the absolute URI.
    state.seen.push(`${req.method} ${req.url}`);
    const upstream = request(req.url ?? '', { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.on('data', (chunk: Buffer) => (state.bytesToClient += chunk.length));
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    state.seen.push(`CONNECT ${req.url}`);
    const [host, port] = (req.url ?? '').split(':');
    const target = connect(Number(port), host ?? '', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      target.write(head);
      target.on('data', (chunk: Buffer) => (state.bytesToClient += chunk.length));
      target.pipe(client);
      client.pipe(target);
    });
    sockets.add(target);
    const end = () => {
      target.destroy();
      client.destroy();
    };
    target.on('error', end).on('close', end);
    client.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get seen() {
      return state.seen;
    },
    get bytesToClient() {
      return state.bytesToClient;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const modelBytes = () =>
  ['', 'onnx']
    .flatMap((sub) =>
      readdirSync(join(source, sub), { withFileTypes: true })
        .filter((e) => e.isFile())
        .map((e) => readFileSync(join(source, sub, e.name)).length),
    )
    .reduce((a, b) => a + b, 0);

async function pullAndCompare(client: HubClient): Promise<void> {
  const { dir } = await downloadModel({ repo: REPO, modelsDir: join(scratch, `m${n++}`), client });
  for (const sub of ['', 'onnx']) {
    for (const entry of readdirSync(join(source, sub), { withFileTypes: true })) {
      if (!entry.isFile()) continue;
      const name = join(sub, entry.name);
      expect(readFileSync(join(dir, name)).equals(readFileSync(join(source, name))), name).toBe(true);
    }
  }
}

beforeAll(async () => {
  source = await testModelDir({ family: 'smolvlm', size: 'tiny', dtype: 'fp32', seed: 1 });
  hub = await LocalHub.start({ [REPO]: source });
});

beforeEach(async () => {
  // The machine running the tests may have a proxy of its own configured: none of it applies here.
  for (const name of PROXY_ENV) {
    savedEnv[name] = process.env[name];
    Reflect.deleteProperty(process.env, name);
  }
  proxy = await startProxy();
});

afterEach(async () => {
  for (const name of PROXY_ENV) {
    if (savedEnv[name] === undefined) Reflect.deleteProperty(process.env, name);
    else process.env[name] = savedEnv[name];
  }
  await proxy.close();
});

afterAll(async () => {
  await hub?.close();
  rmSync(scratch, { recursive: true, force: true });
});

const hubTarget = () => new URL(hub.url).host;

describe('downloads through a proxy', () => {
  it('tunnels every request through HTTP_PROXY from the environment, byte-identical', async () => {
    process.env.HTTP_PROXY = proxy.url;
    const before = hub.requests.length;
    await pullAndCompare(new HubClient({ endpoint: hub.url, backoffMs: 10 }));
    expect(proxy.seen.length).toBeGreaterThan(0);
    for (const line of proxy.seen)
      expect(line).toMatch(new RegExp(`^(CONNECT ${hubTarget()}|GET ${hub.url}/)`));
    expect(hub.requests.length).toBeGreaterThan(before);
    expect(proxy.bytesToClient).toBeGreaterThan(modelBytes());
  });

  it('honours the lower-case http_proxy too', async () => {
    process.env.http_proxy = proxy.url;
    await pullAndCompare(new HubClient({ endpoint: hub.url, backoffMs: 10 }));
    expect(proxy.bytesToClient).toBeGreaterThan(modelBytes());
  });

  it('goes direct for hosts in NO_PROXY, from the environment or the options', async () => {
    process.env.HTTP_PROXY = proxy.url;
    process.env.NO_PROXY = 'example.org,127.0.0.1';
    await pullAndCompare(new HubClient({ endpoint: hub.url, backoffMs: 10 }));
    expect(proxy.seen).toEqual([]);
    delete process.env.NO_PROXY;
    await pullAndCompare(new HubClient({ endpoint: hub.url, proxy: { noProxy: '127.0.0.1' } }));
    expect(proxy.seen).toEqual([]);
  });

  it('lets the options override the environment', async () => {
    process.env.NO_PROXY = '127.0.0.1';
    await pullAndCompare(
      new HubClient({ endpoint: hub.url, backoffMs: 10, proxy: { httpProxy: proxy.url, noProxy: '' } }),
    );
    expect(proxy.seen.length).toBeGreaterThan(0);
    expect(proxy.bytesToClient).toBeGreaterThan(modelBytes());
  });

  it('fails with a clear error when the proxy cannot be reached', async () => {
    const url = proxy.url;
    await proxy.close();
    proxy = await startProxy(); // for afterEach; the old port is closed now
    const client = new HubClient({ endpoint: hub.url, retries: 1, backoffMs: 10, proxy: { httpProxy: url } });
    await expect(client.snapshot(REPO)).rejects.toThrow(
      `Could not connect to ${hub.url} (connection refused at 127.0.0.1:${new URL(url).port}); gave up after 2 attempts.`,
    );
  });
});
