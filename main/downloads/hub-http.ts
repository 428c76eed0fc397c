/**
 * HTTP to the Hub through undici with an `EnvHttpProxyAgent`, so HTTPS_PROXY / HTTP_PROXY / NO_PROXY (or
 * `proxy`) apply. API calls use fetch; file bytes use undici's request(), whose Node stream body is cheaper
 * per byte than fetch's WHATWG stream (about a fifth less CPU per GB in the downloads benchmark,
 * bench/README.md). Both send the token, and both drop it on a redirect to another origin (the Hub
 * redirects `/resolve/` to a CDN).
 */
import type { Readable } from 'node:stream';
import { type Dispatcher, EnvHttpProxyAgent, type Response, fetch, interceptors, request } from 'undici';
import type { TesseraError } from '../../app/errors.ts';
import { networkError, statusError } from './hub-errors.ts';
import type { ProxyOptions } from './hub-types.ts';

// One dispatcher per effective proxy setting, so every client shares its connection pool.
const dispatchers = new Map<string, EnvHttpProxyAgent>();

function dispatcherFor(proxy: ProxyOptions = {}): EnvHttpProxyAgent {
  const env = process.env;
  // EnvHttpProxyAgent reads the proxy variables once, so the key holds their values now; NO_PROXY it re-reads.
  const key = JSON.stringify([
    proxy.httpProxy ?? env.http_proxy ?? env.HTTP_PROXY ?? null,
    proxy.httpsProxy ?? env.https_proxy ?? env.HTTPS_PROXY ?? null,
    proxy.noProxy ?? null,
  ]);
  let dispatcher = dispatchers.get(key);
  if (!dispatcher) {
    dispatcher = new EnvHttpProxyAgent({
      ...(proxy.httpProxy !== undefined ? { httpProxy: proxy.httpProxy } : {}),
      ...(proxy.httpsProxy !== undefined ? { httpsProxy: proxy.httpsProxy } : {}),
      ...(proxy.noProxy !== undefined ? { noProxy: proxy.noProxy } : {}),
    });
    dispatchers.set(key, dispatcher);
  }
  return dispatcher;
}

/** A response to `HubHttp.get`: status, headers by lower-case name, the body as a Node stream. */
export interface Got {
  status: number;
  header(name: string): string | null;
  body: Readable;
  /** Drops the body (and its connection); safe to call more than once. */
  cancel(): void;
}

export class HubHttp {
  private readonly dispatcher: EnvHttpProxyAgent;
  /** The same agent (proxy settings, connection pool) following redirects itself, for request(). */
  private readonly downloads: Dispatcher;

  constructor(
    readonly endpoint: string,
    private readonly token: string | undefined,
    proxy: ProxyOptions | undefined,
  ) {
    this.dispatcher = dispatcherFor(proxy);
    this.downloads = this.dispatcher.compose(interceptors.redirect({ maxRedirections: 5 }));
  }

  private headers(extra: Record<string, string>): Record<string, string> {
    const all: Record<string, string> = { 'User-Agent': 'tessera', ...extra };
    if (this.token) all.Authorization = `Bearer ${this.token}`;
    return all;
  }

  /** A GET through fetch, for answers read into memory. Network errors become retryable. */
  async fetch(url: string, signal?: AbortSignal): Promise<Response> {
    try {
      return await fetch(url, {
        headers: this.headers({}),
        redirect: 'follow',
        dispatcher: this.dispatcher,
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      throw networkError(error, signal, url);
    }
  }

  /**
   * A GET for file bytes. Redirects are followed by the dispatcher, which drops Authorization (and Cookie)
   * on a cross-origin hop, as fetch does. Network errors become retryable.
   */
  async get(url: string, headers: Record<string, string>, signal: AbortSignal): Promise<Got> {
    try {
      const r = await request(url, {
        method: 'GET',
        headers: this.headers(headers),
        dispatcher: this.downloads,
        signal,
      });
      // Errors reach the reader through its iterator; without a listener, one arriving between reads (a
      // reset) or after cancel() would be an uncaught 'error' event and end the process.
      r.body.on('error', () => {});
      const header = (name: string) => {
        const value = r.headers[name];
        return value === undefined ? null : Array.isArray(value) ? (value[0] ?? null) : value;
      };
      return { status: r.statusCode, header, body: r.body, cancel: () => void r.body.destroy() };
    } catch (error) {
      throw networkError(error, signal, url);
    }
  }

  /** Drops an unsuccessful response's body and says what its status means (retryable or not). */
  statusError(response: Response | Got, what: string): TesseraError {
    let retryAfter: string | null;
    if ('cancel' in response) {
      response.cancel();
      retryAfter = response.header('retry-after');
    } else {
      void response.body?.cancel().catch(() => {});
      retryAfter = response.headers.get('retry-after');
    }
    return statusError(response.status, retryAfter, what, this.endpoint);
  }
}
