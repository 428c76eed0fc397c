/**
 * The OpenAI-compatible server: `GET /v1/models`, `GET /v1/models/{id}` and `POST /v1/chat/completions`
 * over node:http. Transport only: what a completion does is the backend's (main/api/completions.ts), so
 * the same server runs in Electron's main process and in `tessera serve` / `tessera api`.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isTesseraError } from '../../models/errors.ts';
import type { Completion } from './completions.ts';
import { ApiError, toApiError } from './errors.ts';
import {
  SseWriter,
  checkAuth,
  checkHost,
  corsHeaders,
  parseJson,
  preflight,
  readBody,
  sendError,
  sendJson,
} from './http.ts';
import { findModel, modelObject } from './models.ts';
import type { ApiModel } from './models.ts';
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionRequest } from './schemas.ts';
import { parseChatRequest } from './validate.ts';

export interface ApiBackend {
  models(): ApiModel[];
  complete(
    model: ApiModel,
    body: ChatCompletionRequest,
    onText: (text: string) => void,
    signal: AbortSignal,
  ): Promise<Completion>;
  log(message: string, error?: unknown): void;
}

export interface ApiServerOptions {
  host: string;
  /** 0: any free port. */
  port: number;
  /** Read per request, so a regenerated key or a new CORS origin applies at once. */
  config: () => { key: string; corsOrigin: string | null };
  maxBodyBytes?: number;
}

export interface RunningApiServer {
  /** The base URL clients use: `http://HOST:PORT/v1`. */
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Listens; rejects with the listen error (EADDRINUSE…) without leaving anything open. */
export async function startApiServer(
  options: ApiServerOptions,
  backend: ApiBackend,
): Promise<RunningApiServer> {
  const server = createServer((req, res) => {
    handle(req, res, options, backend).catch((error: unknown) => {
      backend.log('the API server failed to answer', error);
      if (!res.writableEnded) sendError(res, toApiError(error));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  // Listening on every interface: this machine still reaches it at 127.0.0.1.
  const shown = options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : host;
  return {
    url: `http://${shown}:${port}/v1`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Open streams end now: their clients see the connection close, and their generations stop.
        server.closeAllConnections();
      }),
  };
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  options: ApiServerOptions,
  backend: ApiBackend,
): Promise<void> {
  const { key, corsOrigin } = options.config();
  const cors = corsHeaders(req, corsOrigin);
  try {
    checkHost(req, options.host);
    if (req.method === 'OPTIONS') return preflight(req, res, corsOrigin);
    checkAuth(req, key);
    const path = new URL(req.url ?? '/', 'http://localhost').pathname.replace(/\/+$/, '');
    if (path === '/v1/models') {
      allow(req, 'GET');
      const data = backend.models().map(modelObject);
      return sendJson(res, 200, { object: 'list', data }, cors);
    }
    if (path.startsWith('/v1/models/')) {
      allow(req, 'GET');
      const model = findModel(backend.models(), decodeURIComponent(path.slice('/v1/models/'.length)));
      return sendJson(res, 200, modelObject(model), cors);
    }
    if (path === '/v1/chat/completions') {
      allow(req, 'POST');
      const body = parseChatRequest(parseJson(await readBody(req, options.maxBodyBytes)));
      return await chatCompletion(req, res, body, backend, cors);
    }
    throw new ApiError(
      404,
      `Unknown path: ${req.method} ${path}. This server answers GET /v1/models and POST /v1/chat/completions.`,
      null,
      'unknown_url',
    );
  } catch (error) {
    const apiError = toApiError(error);
    if (apiError.status >= 500) backend.log('an API request failed', error);
    sendError(res, apiError, cors);
  }
}

function allow(req: IncomingMessage, method: string): void {
  if (req.method !== method) {
    throw new ApiError(405, `${req.method} is not allowed here; use ${method}.`, null, 'method_not_allowed');
  }
}

async function chatCompletion(
  req: IncomingMessage,
  res: ServerResponse,
  body: ChatCompletionRequest,
  backend: ApiBackend,
  cors: Record<string, string>,
): Promise<void> {
  const model = findModel(backend.models(), body.model);
  const id = `chatcmpl-${randomBytes(12).toString('hex')}`;
  const created = Math.floor(Date.now() / 1000);
  const controller = new AbortController();
  // The client went away before the answer ended: its generation stops, or it leaves the queue.
  res.on('close', () => {
    if (!res.writableFinished) controller.abort();
  });
  const base = { id, created, model: model.id };
  const includeUsage = body.stream_options?.include_usage === true;

  if (!body.stream) {
    let completion: Completion;
    try {
      completion = await backend.complete(model, body, () => {}, controller.signal);
    } catch (error) {
      if (controller.signal.aborted && isTesseraError(error) && error.code === 'ABORTED') return;
      throw error;
    }
    const answer: ChatCompletion = {
      ...base,
      object: 'chat.completion',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: completion.text, refusal: null },
          logprobs: null,
          finish_reason: completion.finishReason,
        },
      ],
      usage: completion.usage,
      tessera: completion.tessera,
    };
    return sendJson(res, 200, answer, cors);
  }

  const sse = new SseWriter(res, cors);
  const chunk = (
    delta: ChatCompletionChunk['choices'][number]['delta'],
    finish: 'stop' | 'length' | null,
  ): ChatCompletionChunk => ({
    ...base,
    object: 'chat.completion.chunk',
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    ...(includeUsage ? { usage: null } : {}),
  });
  let started = false;
  const start = () => {
    if (!started) sse.send(chunk({ role: 'assistant', content: '' }, null));
    started = true;
  };
  let completion: Completion;
  try {
    completion = await backend.complete(
      model,
      body,
      (text) => {
        start();
        sse.send(chunk({ content: text }, null));
      },
      controller.signal,
    );
  } catch (error) {
    if (controller.signal.aborted) return;
    // Before the first event this is a plain HTTP error; after it, an error event (sendError knows which).
    throw error;
  }
  start();
  const last = chunk({}, completion.finishReason);
  if (includeUsage) {
    sse.send(last);
    sse.send({
      ...base,
      object: 'chat.completion.chunk',
      choices: [],
      usage: completion.usage,
      tessera: completion.tessera,
    });
  } else {
    sse.send({ ...last, tessera: completion.tessera });
  }
  sse.done();
}
