/**
 * An OpenAI-shaped server for tests: a real HTTP server on 127.0.0.1 answering `/v1/models` and streaming
 * `/v1/chat/completions` as server-sent events, injecting faults on demand (a 429 with Retry-After, a 5xx, a
 * malformed event, a connection dropped mid-stream, a stall, headers held back) and recording what it was
 * sent and whether the client closed the connection early. Nothing here depends on timing: a held response
 * waits for the client (or `release`), never for a clock.
 */
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export type ChatFault =
  /** 429 with `Retry-After: <seconds>` (and `retry-after-ms` when `retryAfterMs` is given). */
  | { kind: 'rate-limit'; retryAfter: number; retryAfterMs?: number }
  /** An error status with an OpenAI-shaped error body. */
  | { kind: 'status'; status: number }
  /** `chunks` deltas, then a line that is not JSON. */
  | { kind: 'malformed'; chunks: number }
  /** `chunks` deltas, then the socket destroyed. */
  | { kind: 'drop'; chunks: number }
  /** `chunks` deltas, then the response ends cleanly without a finish reason or [DONE]. */
  | { kind: 'truncate'; chunks: number }
  /** `chunks` deltas, then nothing, until the client gives up or `release()`. */
  | { kind: 'stall'; chunks: number }
  /** No headers until the client gives up or `release()` (a slow first byte). */
  | { kind: 'hold-headers' };

export interface ServedModel {
  id: string;
  /** Tessera's `/v1/models` extension (what another Tessera's server sends). */
  tessera?: unknown;
}

export interface ChatRequestRecord {
  body: Record<string, unknown>;
  authorization: string | null;
  fault: ChatFault['kind'] | null;
  /** The client closed the connection before the response was complete. */
  closedEarly: boolean;
  /** Resolves when the response is over, one way or the other. */
  over: Promise<void>;
}

export interface FaultServerOptions {
  models?: ServedModel[];
  /** Required as `Authorization: Bearer <key>` when given. */
  apiKey?: string;
  /** The answer, sent one word (with its space) per event. */
  answer?: string;
}

export class FaultServer {
  readonly chats: ChatRequestRecord[] = [];
  modelListings = 0;
  private readonly faults: ChatFault[] = [];
  private readonly releases = new Set<() => void>();
  private readonly waiters = new Set<() => void>();
  private constructor(
    private readonly server: Server,
    readonly baseUrl: string,
    private readonly options: Required<Pick<FaultServerOptions, 'models' | 'answer'>> & FaultServerOptions,
  ) {}

  static async start(options: FaultServerOptions = {}): Promise<FaultServer> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const full = {
      models: [{ id: 'test-vlm' }],
      answer: 'The image shows a red square on white.',
      ...options,
    };
    const fake = new FaultServer(server, `http://127.0.0.1:${port}/v1`, full);
    server.on('request', (req, res) => void fake.handle(req, res));
    return fake;
  }

  /** The next chat requests get these faults, one each, in order. */
  inject(...faults: ChatFault[]): void {
    this.faults.push(...faults);
  }

  /** Ends every stall and held response: a held one then streams its answer, a stalled one its rest. */
  release(): void {
    for (const release of [...this.releases]) release();
  }

  /** Resolves once `count` chat requests have arrived. */
  async chatCount(count: number): Promise<ChatRequestRecord> {
    await this.until(() => this.chats.length >= count);
    return this.chats[count - 1] as ChatRequestRecord;
  }

  async close(): Promise<void> {
    this.release();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private until(test: () => boolean): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if (!test()) return;
        this.waiters.delete(check);
        resolve();
      };
      this.waiters.add(check);
      check();
    });
  }

  private changed(): void {
    for (const wake of [...this.waiters]) wake();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const authorization = req.headers.authorization ?? null;
    const body = await readBody(req);
    if (this.options.apiKey !== undefined && authorization !== `Bearer ${this.options.apiKey}`) {
      return sendError(res, 401, 'Incorrect API key provided.', 'invalid_api_key');
    }
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (req.method === 'GET' && path === '/v1/models') {
      this.modelListings++;
      return sendJson(res, 200, {
        object: 'list',
        data: this.options.models.map((m) => ({ object: 'model', created: 0, owned_by: 'test', ...m })),
      });
    }
    if (req.method === 'POST' && path === '/v1/chat/completions')
      return this.chat(req, res, body, authorization);
    sendError(res, 404, `No route ${req.method} ${path}`, 'not_found');
  }

  private async chat(
    req: IncomingMessage,
    res: ServerResponse,
    raw: string,
    authorization: string | null,
  ): Promise<void> {
    const fault = this.faults.shift() ?? null;
    let finished!: () => void;
    const record: ChatRequestRecord = {
      body: JSON.parse(raw) as Record<string, unknown>,
      authorization,
      fault: fault?.kind ?? null,
      closedEarly: false,
      over: new Promise<void>((resolve) => (finished = resolve)),
    };
    res.on('close', () => {
      record.closedEarly = !res.writableFinished;
      finished();
      this.changed();
    });
    this.chats.push(record);
    this.changed();

    if (fault?.kind === 'rate-limit') {
      const headers: Record<string, string> = { 'retry-after': String(fault.retryAfter) };
      if (fault.retryAfterMs !== undefined) headers['retry-after-ms'] = String(fault.retryAfterMs);
      return sendError(res, 429, 'Rate limit reached; slow down.', 'rate_limit_exceeded', headers);
    }
    if (fault?.kind === 'status')
      return sendError(res, fault.status, 'The server had an error.', 'server_error');
    if (fault?.kind === 'hold-headers' && !(await this.held(res))) return;

    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const words = this.options.answer.split(/(?<= )/);
    const model = String(record.body.model);
    const chunk = (delta: Record<string, unknown>, finish: string | null, usage?: unknown) =>
      `data: ${JSON.stringify({
        id: 'chatcmpl-test',
        object: 'chat.completion.chunk',
        created: 0,
        model,
        choices: usage ? [] : [{ index: 0, delta, finish_reason: finish }],
        ...(usage ? { usage } : {}),
      })}\n\n`;
    res.write(chunk({ role: 'assistant', content: '' }, null));
    const cut = fault && 'chunks' in fault ? fault.chunks : words.length;
    for (const word of words.slice(0, cut)) res.write(chunk({ content: word }, null));
    if (fault?.kind === 'malformed') return void res.end('data: {"choices": [{"delta": {"content": "x"\n\n');
    // The socket ended without the chunked body's end: the client reads what was sent, then a cut.
    if (fault?.kind === 'drop') return void res.socket?.end();
    if (fault?.kind === 'truncate') return void res.end();
    if (fault?.kind === 'stall') {
      if (!(await this.held(res))) return;
      for (const word of words.slice(cut)) res.write(chunk({ content: word }, null));
    }
    res.write(chunk({}, 'stop'));
    const options = record.body.stream_options as { include_usage?: boolean } | undefined;
    if (options?.include_usage) {
      res.write(
        chunk({}, null, {
          prompt_tokens: 42,
          completion_tokens: words.length,
          total_tokens: 42 + words.length,
        }),
      );
    }
    res.end('data: [DONE]\n\n');
  }

  /** Waits for `release()` or the client closing; true when released with the client still there. */
  private held(res: ServerResponse): Promise<boolean> {
    return new Promise((resolve) => {
      const release = () => {
        this.releases.delete(release);
        resolve(!res.destroyed);
      };
      this.releases.add(release);
      res.on('close', release);
    });
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(
  res: ServerResponse,
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(value));
}

function sendError(
  res: ServerResponse,
  status: number,
  message: string,
  code: string,
  headers: Record<string, string> = {},
): void {
  sendJson(res, status, { error: { message, type: 'error', param: null, code } }, headers);
}
