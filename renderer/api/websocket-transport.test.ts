import { describe, expect, it, vi } from 'vitest';
import { decodeWire, encodeWire } from '../../app/ipc/wire.ts';
import { webSocketUrl } from './choose-transport.ts';
import { createApi } from './create-api.ts';
import type { ConnectionState, Transport } from './transport.ts';
import { createWebSocketTransport, defaultBackoff } from './websocket-transport.ts';
import type { SocketLike, Timers } from './websocket-transport.ts';

/** A socket the test drives: it records frames sent and lets the test open, answer and drop it. */
class FakeSocket implements SocketLike {
  readyState = 0;
  sent: Array<{ id: number; type: string; name: string; input: unknown }> = [];
  closed = false;
  onopen: SocketLike['onopen'] = null;
  onclose: SocketLike['onclose'] = null;
  onmessage: SocketLike['onmessage'] = null;
  onerror: SocketLike['onerror'] = null;
  constructor(readonly url: string) {}
  send(data: string) {
    this.sent.push(decodeWire(JSON.parse(data)) as FakeSocket['sent'][number]);
  }
  close() {
    this.closed = true;
  }
  open() {
    this.readyState = 1;
    this.onopen?.({});
  }
  drop() {
    this.readyState = 3;
    this.onerror?.({});
    this.onclose?.({ code: 1006, reason: '' });
  }
  push(frame: unknown) {
    this.onmessage?.({ data: JSON.stringify(encodeWire(frame)) });
  }
  answer(index: number, result: unknown) {
    const request = this.sent[index];
    if (!request) throw new Error(`no request ${index}`);
    this.push({ id: request.id, type: 'result', result });
  }
}

function setup() {
  const sockets: FakeSocket[] = [];
  let time = 0;
  const scheduled: Array<{ at: number; run: () => void; handle: number }> = [];
  let nextHandle = 1;
  const timers: Timers = {
    setTimeout(run, ms) {
      const handle = nextHandle++;
      scheduled.push({ at: time + ms, run, handle });
      return handle;
    },
    clearTimeout(handle) {
      const at = scheduled.findIndex((s) => s.handle === handle);
      if (at >= 0) scheduled.splice(at, 1);
    },
    now: () => time,
  };
  const advance = (ms: number) => {
    time += ms;
    for (const due of scheduled.filter((s) => s.at <= time)) {
      scheduled.splice(scheduled.indexOf(due), 1);
      due.run();
    }
  };
  const transport = createWebSocketTransport({
    url: 'ws://127.0.0.1:4000/ws?token=abc',
    createSocket: (url) => {
      const socket = new FakeSocket(url);
      sockets.push(socket);
      return socket;
    },
    backoff: (attempt) => 1000 * attempt,
    timers,
  });
  const states: ConnectionState[] = [];
  transport.connection.subscribe((state) => states.push(state));
  const socket = (i = sockets.length - 1) => {
    const s = sockets[i];
    if (!s) throw new Error(`no socket ${i}`);
    return s;
  };
  return { transport, sockets, socket, advance, states };
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('WebSocket transport', () => {
  it('sends JSON request frames and resolves with the matching result', async () => {
    const { transport, socket } = setup();
    expect(socket().url).toBe('ws://127.0.0.1:4000/ws?token=abc');
    socket().open();
    const api = createApi(transport);
    const first = api['threads.list']({ limit: 5 });
    const second = api['settings.get']({});
    expect(socket().sent).toEqual([
      { id: 1, type: 'request', name: 'threads.list', input: { limit: 5 } },
      { id: 2, type: 'request', name: 'settings.get', input: {} },
    ]);
    // Answers may come in any order.
    socket().answer(1, { ok: false, error: { code: 'INTERNAL', message: 'x' } });
    socket().answer(0, { ok: true, value: [] });
    expect(await first).toEqual({ ok: true, value: [] });
    expect(await second).toEqual({ ok: false, error: { code: 'INTERNAL', message: 'x' } });
  });

  it('carries bytes through the wire codec both ways', async () => {
    const { transport, socket } = setup();
    socket().open();
    const api = createApi(transport);
    const data = new Uint8Array([0, 1, 2, 250, 255]);
    void api['images.attach']({ name: 'a.png', data });
    const sent = socket().sent[0]?.input as { data: Uint8Array };
    expect(sent.data).toBeInstanceOf(Uint8Array);
    expect([...sent.data]).toEqual([0, 1, 2, 250, 255]);
    const got = api['images.get']({ sha256: 'a'.repeat(64) });
    socket().answer(1, { ok: true, value: new Uint8Array([9, 8, 7]) });
    const result = await got;
    expect(result.ok && [...result.value]).toEqual([9, 8, 7]);
  });

  it('delivers pushed events to their listeners only', () => {
    const { transport, socket } = setup();
    socket().open();
    const api = createApi(transport);
    const deltas: unknown[] = [];
    const statuses: unknown[] = [];
    const off = api.on('answer.delta', (p) => deltas.push(p));
    api.on('engine.status', (p) => statuses.push(p));
    socket().push({ type: 'event', name: 'answer.delta', payload: { messageId: 'm', text: 'Hi' } });
    off();
    socket().push({ type: 'event', name: 'answer.delta', payload: { messageId: 'm', text: '!' } });
    expect(deltas).toEqual([{ messageId: 'm', text: 'Hi' }]);
    expect(statuses).toEqual([]);
  });

  it('ignores malformed frames and results nobody waits for', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const { socket } = setup();
    socket().open();
    socket().onmessage?.({ data: '{not json' });
    socket().push({ id: 99, type: 'result', result: { ok: true, value: 1 } });
    expect(warn).toHaveBeenCalledOnce();
    warn.mockRestore();
  });

  it('queues requests until the socket opens', async () => {
    const { transport, socket } = setup();
    const pending = transport.request('engine.status', {});
    expect(socket().sent).toEqual([]);
    socket().open();
    expect(socket().sent).toHaveLength(1);
    socket().answer(0, { ok: true, value: 'ready' });
    expect(await pending).toEqual({ ok: true, value: 'ready' });
  });

  it('fails requests in flight when the link drops, and reconnects with backoff', async () => {
    const { transport, sockets, socket, advance, states } = setup();
    socket().open();
    const inFlight = transport.request('chat.send', {});
    socket().drop();
    expect(await inFlight).toMatchObject({ ok: false, error: { code: 'DISCONNECTED' } });
    expect(transport.connection.get()).toMatchObject({ status: 'closed', attempt: 1, retryAt: 1000 });

    // Made while down: waits, and goes out on the new socket.
    const queued = transport.request('threads.list', {});
    advance(999);
    expect(sockets).toHaveLength(1);
    advance(1);
    expect(sockets).toHaveLength(2);
    socket().drop(); // the second attempt fails too: the wait grows
    expect(transport.connection.get()).toMatchObject({ attempt: 2, retryAt: 3000 });
    advance(2000);
    socket().open();
    expect(transport.connection.get()).toMatchObject({ status: 'open', attempt: 0 });
    expect(socket().sent.map((f) => f.name)).toEqual(['threads.list']);
    socket().answer(0, { ok: true, value: [] });
    expect(await queued).toEqual({ ok: true, value: [] });
    expect(states.map((s) => s.status)).toEqual([
      'open',
      'closed',
      'connecting',
      'closed',
      'connecting',
      'open',
    ]);
  });

  it('retries at once on request, and stops for good on dispose', async () => {
    const { transport, sockets, socket, advance } = setup();
    socket().drop();
    transport.connection.retryNow();
    expect(sockets).toHaveLength(2);
    advance(10_000); // the cancelled timer does not open a third
    expect(sockets).toHaveLength(2);
    const pending = transport.request('engine.status', {});
    transport.dispose();
    expect(socket().closed).toBe(true);
    expect(await pending).toMatchObject({ ok: false, error: { code: 'DISCONNECTED' } });
    socket().drop();
    advance(60_000);
    expect(sockets).toHaveLength(2);
  });
});

describe('createApi', () => {
  it('turns a throwing transport into a Result', async () => {
    const transport: Transport = {
      request: () => Promise.reject(new Error('channel closed')),
      on: () => () => {},
    };
    await flush();
    expect(await createApi(transport)['engine.status']({})).toEqual({
      ok: false,
      error: { code: 'INTERNAL', message: 'channel closed' },
    });
  });
});

describe('webSocketUrl', () => {
  it('uses the page origin and its token', () => {
    expect(webSocketUrl({ protocol: 'http:', host: '127.0.0.1:8123', search: '?token=a+b/c' })).toBe(
      'ws://127.0.0.1:8123/ws?token=a%20b%2Fc',
    );
    expect(webSocketUrl({ protocol: 'https:', host: 'box:1', search: '?x=1&token=t' })).toBe(
      'wss://box:1/ws?token=t',
    );
    expect(webSocketUrl({ protocol: 'http:', host: 'h', search: '' })).toBeNull();
  });
});

it('defaultBackoff grows to a cap with jitter', () => {
  for (let attempt = 1; attempt < 12; attempt++) {
    const delay = defaultBackoff(attempt);
    const base = Math.min(10_000, 500 * 2 ** (attempt - 1));
    expect(delay).toBeGreaterThanOrEqual(base * 0.8);
    expect(delay).toBeLessThanOrEqual(base * 1.2);
  }
});
