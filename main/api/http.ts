/**
 * The HTTP edge of the API server: who may ask (a bearer key compared in constant time, a Host header that
 * names this machine while it listens on loopback, CORS for one chosen origin only), how much they may send
 * (a capped body), and answers in OpenAI's shapes, including server-sent events.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError } from './errors.ts';

/** 64 MiB: a 40 MiB image as base64 and its conversation. */
export const MAX_BODY_BYTES = 64 * 1024 * 1024;

const LOOPBACK_NAMES = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

export function isLoopback(host: string): boolean {
  return LOOPBACK_NAMES.has(host) || host.startsWith('127.');
}

/** The key a request carries matches (sha256 first, so the comparison takes the same time for any length). */
export function keyMatches(header: string | undefined, key: string): boolean {
  const given = /^Bearer\s+(.+)$/i.exec(header?.trim() ?? '')?.[1] ?? '';
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return given !== '' && timingSafeEqual(digest(given), digest(key));
}

export function checkAuth(req: IncomingMessage, key: string): void {
  const header = req.headers.authorization;
  if (!header) {
    throw new ApiError(
      401,
      'No API key: send "Authorization: Bearer <key>" with the key shown in Settings → Local API server.',
      null,
      'invalid_api_key',
    );
  }
  if (!keyMatches(header, key)) {
    throw new ApiError(
      401,
      'Incorrect API key. The key is shown in Settings → Local API server (or set TESSERA_API_KEY).',
      null,
      'invalid_api_key',
    );
  }
}

/**
 * While bound to loopback only this machine's names are accepted as Host: a web page whose domain was
 * pointed at 127.0.0.1 (DNS rebinding) sends its own domain and is refused.
 */
export function checkHost(req: IncomingMessage, boundHost: string): void {
  if (!isLoopback(boundHost)) return;
  const host = req.headers.host ?? '';
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0];
  if (!LOOPBACK_NAMES.has(name ?? '') && !(name ?? '').startsWith('127.')) {
    throw new ApiError(403, `Host "${host}" is not this machine; use http://127.0.0.1.`, null, 'bad_host');
  }
}

/** CORS headers for the one allowed origin; none for any other (the browser then blocks the page). */
export function corsHeaders(req: IncomingMessage, allowed: string | null): Record<string, string> {
  const origin = req.headers.origin;
  if (!allowed || origin !== allowed) return {};
  return { 'Access-Control-Allow-Origin': origin, Vary: 'Origin' };
}

/** Answers a CORS preflight: allowed for the chosen origin, refused for any other or when CORS is off. */
export function preflight(req: IncomingMessage, res: ServerResponse, allowed: string | null): void {
  const cors = corsHeaders(req, allowed);
  if (!cors['Access-Control-Allow-Origin']) {
    sendError(res, new ApiError(403, 'Cross-origin requests are not enabled for this origin.', null, 'cors'));
    return;
  }
  res.writeHead(204, {
    ...cors,
    'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
    // The openai SDK sends its own x-stainless-* headers, and a wildcard inside a name is not CORS: the
    // chosen origin may send the header names it asks for (names only; values are never echoed).
    'Access-Control-Allow-Headers': requestedHeaders(req),
    'Access-Control-Max-Age': '600',
  });
  res.end();
}

/** The header names a preflight asks to send, when they are plain names; else the ones the API reads. */
function requestedHeaders(req: IncomingMessage): string {
  const asked = req.headers['access-control-request-headers'] ?? '';
  return /^[A-Za-z0-9-]+(\s*,\s*[A-Za-z0-9-]+)*$/.test(asked) ? asked : 'Authorization, Content-Type';
}

/** The body, at most `limit` bytes (413 past it; the rest is read and dropped so the client sees the 413). */
export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const tooLarge = () =>
    new ApiError(
      413,
      `The request body is over ${limit / 1024 / 1024} MiB. Send smaller or fewer images.`,
      null,
      'request_too_large',
    );
  if (Number(req.headers['content-length'] ?? 0) > limit) {
    req.resume();
    return Promise.reject(tooLarge());
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > limit) over = true;
      else chunks.push(chunk);
    });
    req.on('end', () => (over ? reject(tooLarge()) : resolve(Buffer.concat(chunks))));
    req.on('error', reject);
  });
}

export function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch (error) {
    throw new ApiError(
      400,
      `The request body is not valid JSON (${error instanceof Error ? error.message : String(error)}).`,
      null,
      'invalid_json',
    );
  }
}

export function sendJson(
  res: ServerResponse,
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(value);
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(text)),
  });
  res.end(text);
}

export function sendError(res: ServerResponse, error: ApiError, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    // Mid-stream: OpenAI clients read an error event and stop.
    if (!res.writableEnded) res.end(`data: ${JSON.stringify(error.body())}\n\n`);
    return;
  }
  sendJson(res, error.status, error.body(), headers);
}

/** Server-sent events: `data: {json}` lines, ended by `data: [DONE]`. Headers go out with the first event. */
export class SseWriter {
  constructor(
    private readonly res: ServerResponse,
    private readonly headers: Record<string, string>,
  ) {}

  send(value: unknown): void {
    if (this.res.writableEnded) return;
    if (!this.res.headersSent) {
      this.res.writeHead(200, {
        ...this.headers,
        'Content-Type': 'text/event-stream; charset=utf-8',
        'Cache-Control': 'no-cache',
        Connection: 'keep-alive',
        'X-Accel-Buffering': 'no',
      });
    }
    this.res.write(`data: ${JSON.stringify(value)}\n\n`);
  }

  done(): void {
    if (this.res.writableEnded) return;
    this.res.end('data: [DONE]\n\n');
  }
}
