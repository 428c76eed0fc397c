/** The built renderer over HTTP: GET and HEAD only, files under one folder, strict security headers. */
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { contentType, realPathInside, resolveUnder } from '../security/safe-path.ts';

export function securityHeaders(csp: string): Record<string, string> {
  return {
    'Content-Security-Policy': csp,
    'X-Content-Type-Options': 'nosniff',
    // The page's address carries the access token: never send it anywhere as a referrer.
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
    'X-Frame-Options': 'DENY',
    'Cache-Control': 'no-cache',
  };
}

export async function serveStatic(
  root: string,
  csp: string,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const headers = securityHeaders(csp);
  const reply = (status: number, body: string) => {
    response.writeHead(status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8' });
    response.end(request.method === 'HEAD' ? undefined : body);
  };
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.setHeader('Allow', 'GET, HEAD');
    return reply(405, 'Method not allowed');
  }
  // Only the path counts: the query (the token on "/") is not part of the file name.
  const rawPath = (request.url ?? '/').split(/[?#]/)[0] ?? '/';
  if (!rawPath.startsWith('/')) return reply(400, 'Bad request');
  const resolved = resolveUnder(root, rawPath);
  if ('error' in resolved) return reply(resolved.error === 'forbidden' ? 403 : 404, resolved.error);
  const file = await realPathInside(root, resolved.path);
  if (!file) return reply(404, 'Not found');
  let body: Buffer;
  try {
    body = await readFile(file);
  } catch {
    return reply(404, 'Not found'); // a folder, or gone since
  }
  response.writeHead(200, { ...headers, 'Content-Type': contentType(file), 'Content-Length': body.length });
  response.end(request.method === 'HEAD' ? undefined : body);
}
