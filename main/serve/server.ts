/**
 * The headless transport of `tessera serve`: the built renderer over HTTP and the contract over one
 * WebSocket at /ws. Anyone who can reach the port could use the model and read every thread, so the
 * socket needs the random token printed with the URL, the page's own origin (a web page elsewhere cannot
 * connect from a user's browser), and by default the server listens on loopback only.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import type { Services } from '../services/index.ts';
import type { Logger } from '../services/dispatch.ts';
import { contentSecurityPolicy } from '../security/csp.ts';
import { attachSocket, broadcastEvents } from './socket.ts';
import { serveStatic } from './static.ts';

/** A 40 MiB image is ~54 MB as base64 in JSON; anything much larger is not a contract message. */
export const MAX_MESSAGE_BYTES = 60 * 1024 * 1024;

export interface ServerOptions {
  services: Pick<Services, 'handlers' | 'events'>;
  /** The built renderer (index.html and assets). */
  staticDir: string;
  /** 0 or absent: a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Required to listen on anything but loopback: the CLI sets it only for an explicit --host. */
  allowNonLoopback?: boolean;
  log?: Logger;
}

export interface RunningServer {
  /** The address to open, with the token: http://127.0.0.1:PORT/?token=… */
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

export function isLoopback(host: string): boolean {
  return LOOPBACK_NAMES.has(host.toLowerCase()) || /^127(\.\d{1,3}){3}$/.test(host);
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  if (!isLoopback(host) && !options.allowNonLoopback) {
    throw new Error(
      `Refusing to listen on ${host}: only loopback addresses are allowed unless the host is chosen ` +
        'explicitly (tessera serve --host). Anyone on that network with the token could use Tessera.',
    );
  }
  const log = options.log ?? ((message, error) => console.error(`tessera serve: ${message}`, error ?? ''));
  const token = randomBytes(24).toString('base64url');
  const expected = Buffer.from(token);
  const tokenMatches = (given: string | null) => {
    const bytes = Buffer.from(given ?? '');
    return bytes.length === expected.length && timingSafeEqual(bytes, expected);
  };
  const wildcard = host === '0.0.0.0' || host === '::';
  const csp = contentSecurityPolicy({
    connect: [
      'ws://127.0.0.1:*',
      'ws://localhost:*',
      ...(isLoopback(host) || wildcard ? [] : [`ws://${host}:*`]),
    ],
  });

  const http = createServer((request, response) => {
    serveStatic(options.staticDir, csp, request, response).catch((error: unknown) => {
      log('serving a file failed', error);
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });

  /** Same origin as the page, and (DNS rebinding) a Host that names this server. */
  const originAllowed = (request: IncomingMessage): boolean => {
    const hostHeader = request.headers.host ?? '';
    if (request.headers.origin !== `http://${hostHeader}`) return false;
    const name = hostHeader.replace(/:\d+$/, '');
    return isLoopback(name) || wildcard || name === host;
  };

  http.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname !== '/ws') return refuse(socket, 404, 'Not Found');
    if (!tokenMatches(url.searchParams.get('token'))) return refuse(socket, 401, 'Unauthorized');
    if (!originAllowed(request)) return refuse(socket, 403, 'Forbidden');
    wss.handleUpgrade(request, socket, head, (ws) => attachSocket(ws, options.services.handlers, log));
  });
  const stopEvents = broadcastEvents(wss, options.services.events, log);

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port ?? 0, host, () => {
      http.off('error', reject);
      resolve();
    });
  });
  // After listen: a late server error (EMFILE…) is logged instead of crashing the process.
  http.on('error', (error) => log('HTTP server error', error));
  const address = http.address() as AddressInfo;
  const shown = wildcard ? '127.0.0.1' : address.family === 'IPv6' ? `[${address.address}]` : address.address;

  let closing: Promise<void> | null = null;
  return {
    url: `http://${shown}:${address.port}/?token=${token}`,
    port: address.port,
    token,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        stopEvents();
        for (const client of wss.clients) client.close(1001, 'Tessera is shutting down');
        wss.close();
        http.close(() => resolve());
        http.closeAllConnections();
        // Sockets that do not answer the close handshake must not hold the shutdown.
        setTimeout(() => {
          for (const client of wss.clients) client.terminate();
        }, 1_000).unref();
      })),
  };
}

function refuse(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
}
