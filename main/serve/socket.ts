/**
 * The JSON protocol on one WebSocket (frames in app/ipc/wire.ts): requests answered with Result
 * envelopes through `dispatch`, events pushed to every client. Frames that are not the protocol close the
 * socket with a close code saying why; a well-formed request with bad input only gets BAD_REQUEST.
 */
import type { RawData, WebSocket, WebSocketServer } from 'ws';
import type { Handlers, Result } from '../../app/ipc/contract.ts';
import { decodeWire, encodeWire } from '../../app/ipc/wire.ts';
import type { WireRequest, WireServerFrame } from '../../app/ipc/wire.ts';
import { dispatch } from '../services/dispatch.ts';
import type { Logger } from '../services/dispatch.ts';
import type { EventSource } from '../services/events.ts';

/** RFC 6455 close codes used here. */
export const CLOSE = {
  goingAway: 1001,
  unsupportedData: 1003,
  invalidPayload: 1007,
  policyViolation: 1008,
  tooBig: 1009,
} as const;

export function attachSocket(ws: WebSocket, handlers: Handlers, log: Logger): void {
  ws.on('message', (data: RawData, isBinary: boolean) => {
    if (isBinary) return ws.close(CLOSE.unsupportedData, 'Binary frames are not part of the protocol');
    let frame: unknown;
    try {
      frame = JSON.parse(rawText(data));
    } catch {
      return ws.close(CLOSE.invalidPayload, 'Frames must be JSON');
    }
    const request = frame as Partial<WireRequest> | null;
    const id = request?.id;
    if (typeof id !== 'string' && typeof id !== 'number') {
      return ws.close(CLOSE.policyViolation, 'Expected {"id", "type": "request", "name", "input"}');
    }
    void answer(ws, id, request, handlers, log);
  });
  ws.on('error', (error) => log('WebSocket error', error));
}

async function answer(
  ws: WebSocket,
  id: string | number,
  request: Partial<WireRequest> | null,
  handlers: Handlers,
  log: Logger,
): Promise<void> {
  let result: Result<unknown>;
  if (request?.type !== 'request' || typeof request.name !== 'string') {
    result = { ok: false, error: { code: 'BAD_REQUEST', message: 'Expected type "request" and a name.' } };
  } else {
    let input: unknown;
    try {
      input = decodeWire(request.input);
    } catch (error) {
      const message = `Invalid ${request.name} request: ${(error as Error).message}`;
      result = { ok: false, error: { code: 'BAD_REQUEST', message } };
      return send(ws, { id, type: 'result', result }, log);
    }
    result = await dispatch(handlers, request.name, input, log);
  }
  send(ws, { id, type: 'result', result }, log);
}

function send(ws: WebSocket, frame: WireServerFrame, log: Logger): void {
  if (ws.readyState !== ws.OPEN) return;
  try {
    ws.send(JSON.stringify(encodeWire(frame)));
  } catch (error) {
    log('could not send a frame', error);
  }
}

/** Pushes every service event to every open socket; returns the unsubscribe. */
export function broadcastEvents(wss: WebSocketServer, events: EventSource, log: Logger): () => void {
  return events.on((name, payload) => {
    if (wss.clients.size === 0) return;
    const frame: WireServerFrame = { type: 'event', name, payload };
    const text = JSON.stringify(encodeWire(frame));
    for (const client of wss.clients) {
      if (client.readyState === client.OPEN)
        client.send(text, (error) => error && log('event not sent', error));
    }
  });
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return (Buffer.isBuffer(data) ? data : Buffer.from(data)).toString('utf8');
}
