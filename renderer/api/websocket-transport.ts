/**
 * The transport of `tessera serve`: one WebSocket at /ws?token=…, JSON frames, bytes through the wire
 * codec. It reconnects with exponential backoff; requests made while disconnected wait in a queue and go
 * out on reconnect, while requests already sent when the link drops fail with DISCONNECTED — they may or
 * may not have run (a chat.send must not be silently sent twice).
 */
import { decodeWire, encodeWire } from '../../app/ipc/wire.ts';
import type { WireRequest, WireServerFrame } from '../../app/ipc/wire.ts';
import type { ErrorCode, Result } from '../../app/ipc/contract.ts';
import type { Connection, ConnectionState, Transport } from './transport.ts';

/** The part of the DOM WebSocket this transport uses, so tests can hand in a fake. */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  now(): number;
}

export interface WebSocketTransportOptions {
  url: string;
  createSocket?: (url: string) => SocketLike;
  /** Delay before reconnection attempt `attempt` (1-based). */
  backoff?: (attempt: number) => number;
  timers?: Timers;
}

export const DISCONNECTED = 'DISCONNECTED' satisfies ErrorCode;

/** 0.5 s, 1 s, 2 s … capped at 10 s, with ±20 % jitter so many tabs do not reconnect in lockstep. */
export function defaultBackoff(attempt: number): number {
  const base = Math.min(10_000, 500 * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

const defaultTimers: Timers = {
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
  now: () => Date.now(),
};

interface Pending {
  resolve(result: Result<unknown>): void;
  /** The encoded frame, kept until it is on the wire. */
  frame: string;
  sent: boolean;
}

export interface WebSocketTransport extends Transport {
  connection: Connection;
  /** Closes for good (tests, page unload). */
  dispose(): void;
}

export function createWebSocketTransport(options: WebSocketTransportOptions): WebSocketTransport {
  const createSocket = options.createSocket ?? ((url: string) => new WebSocket(url) as unknown as SocketLike);
  const backoff = options.backoff ?? defaultBackoff;
  const timers = options.timers ?? defaultTimers;

  const pending = new Map<number | string, Pending>();
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  const stateListeners = new Set<(state: ConnectionState) => void>();
  let state: ConnectionState = { status: 'connecting', attempt: 0, retryAt: null, fatal: null };
  let socket: SocketLike | null = null;
  let retryTimer: unknown = null;
  let nextId = 1;
  let disposed = false;

  function setState(next: Partial<ConnectionState>): void {
    state = { ...state, ...next };
    for (const listener of stateListeners) listener(state);
  }

  function connect(): void {
    if (disposed) return;
    retryTimer = null;
    setState({ status: 'connecting', retryAt: null });
    const ws = createSocket(options.url);
    socket = ws;
    ws.onopen = () => {
      if (socket !== ws) return;
      setState({ status: 'open', attempt: 0, retryAt: null });
      for (const request of pending.values()) {
        if (!request.sent) {
          ws.send(request.frame);
          request.sent = true;
        }
      }
    };
    ws.onmessage = (event) => {
      if (socket === ws) receive(event.data);
    };
    ws.onerror = () => {
      // Every error is followed by a close event; reconnection happens there.
    };
    ws.onclose = () => {
      if (socket !== ws) return;
      socket = null;
      dropInFlight();
      scheduleReconnect();
    };
  }

  function dropInFlight(): void {
    for (const [id, request] of pending) {
      if (!request.sent) continue;
      pending.delete(id);
      request.resolve({
        ok: false,
        error: { code: DISCONNECTED, message: 'The connection to Tessera was lost before it answered.' },
      });
    }
  }

  function scheduleReconnect(): void {
    if (disposed) return;
    const attempt = state.attempt + 1;
    const delay = backoff(attempt);
    retryTimer = timers.setTimeout(connect, delay);
    setState({ status: 'closed', attempt, retryAt: timers.now() + delay });
  }

  function receive(data: unknown): void {
    if (typeof data !== 'string') return;
    let frame: WireServerFrame;
    try {
      frame = decodeWire(JSON.parse(data)) as WireServerFrame;
    } catch {
      console.warn('Tessera: ignored a malformed frame from the server.');
      return;
    }
    if (frame.type === 'result') {
      const request = pending.get(frame.id);
      if (!request) return;
      pending.delete(frame.id);
      request.resolve(frame.result);
    } else if (frame.type === 'event') {
      for (const listener of listeners.get(frame.name) ?? []) {
        try {
          listener(frame.payload);
        } catch (error) {
          // One broken listener must not starve the others of events.
          console.error(error);
        }
      }
    }
  }

  function request(name: string, input: unknown): Promise<Result<unknown>> {
    if (state.fatal)
      return Promise.resolve({ ok: false, error: { code: DISCONNECTED, message: state.fatal } });
    const id = nextId++;
    const request: WireRequest = { id, type: 'request', name, input };
    const frame = JSON.stringify(encodeWire(request));
    return new Promise((resolve) => {
      const entry: Pending = { resolve, frame, sent: false };
      pending.set(id, entry);
      if (socket && state.status === 'open') {
        socket.send(frame);
        entry.sent = true;
      }
    });
  }

  connect();

  return {
    request,
    on(event, listener) {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(listener);
      return () => set.delete(listener);
    },
    connection: {
      get: () => state,
      subscribe(listener) {
        stateListeners.add(listener);
        return () => stateListeners.delete(listener);
      },
      retryNow() {
        if (disposed || state.status !== 'closed') return;
        if (retryTimer !== null) timers.clearTimeout(retryTimer);
        connect();
      },
    },
    dispose() {
      disposed = true;
      if (retryTimer !== null) timers.clearTimeout(retryTimer);
      const ws = socket;
      socket = null;
      ws?.close(1000, 'closing');
      for (const request of pending.values())
        request.resolve({ ok: false, error: { code: DISCONNECTED, message: 'The connection was closed.' } });
      pending.clear();
    },
  };
}

/** A transport that can never connect, with the reason shown in the banner (e.g. no token). */
export function createFailedTransport(reason: string): Transport {
  const state: ConnectionState = { status: 'closed', attempt: 0, retryAt: null, fatal: reason };
  return {
    request: () => Promise.resolve({ ok: false, error: { code: DISCONNECTED, message: reason } }),
    on: () => () => {},
    connection: { get: () => state, subscribe: () => () => {}, retryNow: () => {} },
  };
}
