/**
 * The caller's side of the engine protocol. It spawns the engine in its own process, matches answers to
 * requests, forwards streamed text, turns aborts into abort messages, and fails every request in flight
 * with ENGINE_CRASHED when the process dies, so a native crash never leaves a caller waiting. Its watchdog
 * kills an engine whose current stage runs past its deadline (watchdog.ts) and fails what was in flight with
 * ENGINE_HUNG, naming the stage and the file: a stuck engine never leaves a caller waiting either.
 */
import type { GenerateRequest, GenerateResult } from '../../app/chat.ts';
import { TesseraError } from '../errors.ts';
import { forkEngineProcess } from './fork.ts';
import type { EngineProcess } from './process.ts';
import type { EngineMessage, EngineRequest, EngineResults } from './protocol.ts';
import type { Current, Deadlines, Hang } from './watchdog.ts';
import { DEFAULT_DEADLINES, deadlineOf, describeHang } from './watchdog.ts';

type Part = GenerateRequest['messages'][number]['content'][number];

/** An image part or encoded frame by its hash alone. */
function withoutData<T extends { data?: Uint8Array }>(item: T): Omit<T, 'data'> {
  const { data: _data, ...byHash } = item;
  return byHash;
}

type Payload<T extends EngineRequest['type']> = Omit<Extract<EngineRequest, { type: T }>, 'id' | 'type'>;

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  onText?: (delta: string) => void;
}

export interface EngineClientOptions {
  /** Per-stage deadlines (tests shorten them); the defaults suit a slow laptop. */
  deadlines?: Partial<Deadlines>;
  /** Told when the watchdog stops the engine, before the requests in flight fail. */
  onHang?: (hang: Hang) => void;
}

/** What the engine is busy with: the request that reported the stage (null: none yet). */
interface Watch {
  id: number | null;
  current: Current;
}

export class EngineClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private exited: Error | null = null;
  private readonly deadlines: Deadlines;
  private readonly onHang: (hang: Hang) => void;
  private watch: Watch | null = null;
  private timer: NodeJS.Timeout | undefined;
  /** Set when the watchdog killed the engine: what it was stuck on. */
  hang: Hang | null = null;
  /**
   * Images and encoded video frames this engine process has been sent, by sha256: later requests refer to
   * them by hash alone.
   */
  private readonly sent = new Set<string>();
  readonly ready: Promise<void>;

  constructor(
    private readonly process: EngineProcess,
    options: EngineClientOptions = {},
  ) {
    this.deadlines = { ...DEFAULT_DEADLINES, ...options.deadlines };
    this.onHang = options.onHang ?? (() => {});
    let markReady: () => void = () => {};
    let failReady: (error: Error) => void = () => {};
    this.ready = new Promise((resolve, reject) => {
      markReady = resolve;
      failReady = reject;
    });
    process.onMessage((message) => {
      const m = message as EngineMessage;
      if (m.type === 'ready') markReady();
      else if (m.type === 'stage') this.progress(m.id, { stage: m.stage, file: m.file, bytes: m.bytes });
      else if (m.type === 'delta') {
        this.progress(m.id);
        this.pending.get(m.id)?.onText?.(m.text);
      } else if (m.type === 'result') this.settle(m);
    });
    process.onExit((code, signal) => {
      this.exited ??= new TesseraError(
        'ENGINE_CRASHED',
        `The inference engine stopped unexpectedly (${signal ? `signal ${signal}` : `exit code ${code}`}). ` +
          'If it keeps happening, try another device or a smaller model variant.',
      );
      failReady(this.exited);
      this.failPending(this.exited);
    });
  }

  /** Starts the engine as a Node child process (CLI, tests, headless use). */
  static spawn(
    options: { env?: NodeJS.ProcessEnv; preload?: readonly string[] } & EngineClientOptions = {},
  ): EngineClient {
    return new EngineClient(forkEngineProcess(options), options);
  }

  get pid(): number | undefined {
    return this.process.pid;
  }

  request<T extends Exclude<EngineRequest['type'], 'generate'>>(
    type: T,
    payload: Payload<T>,
  ): Promise<EngineResults[T]> {
    const sha256 = type === 'prepareImage' ? (payload as { sha256?: string }).sha256 : undefined;
    if (sha256) this.sent.add(sha256);
    return this.call(type, payload) as Promise<EngineResults[T]>;
  }

  /**
   * Streams an answer. Image and encoded frame bytes cross the process boundary once per engine process: an
   * image or frame this engine was already sent goes by its hash alone, and only if the engine says it no
   * longer holds it (IMAGE_NOT_HELD: its byte cache is bounded) is the request sent again with every byte.
   */
  async generate(
    request: GenerateRequest,
    options: { onText?: (delta: string) => void; signal?: AbortSignal } = {},
  ): Promise<GenerateResult> {
    const slim = this.withoutSentBytes(request);
    try {
      return await this.generateOnce(slim, options);
    } catch (error) {
      if (slim === request || !(error instanceof TesseraError) || error.code !== 'IMAGE_NOT_HELD')
        throw error;
      return this.generateOnce(request, options);
    }
  }

  private generateOnce(
    request: GenerateRequest,
    options: { onText?: (delta: string) => void; signal?: AbortSignal },
  ): Promise<GenerateResult> {
    const { signal } = options;
    for (const message of request.messages) {
      for (const part of message.content) {
        if (part.type === 'image' && part.data && part.sha256) this.sent.add(part.sha256);
        if (part.type === 'video') {
          for (const frame of part.frames) if ('sha256' in frame && frame.data) this.sent.add(frame.sha256);
        }
      }
    }
    return this.call('generate', { request }, options.onText, (id) => {
      const abort = () => void this.call('abort', { target: id }).catch(() => {});
      if (signal?.aborted) abort();
      else signal?.addEventListener('abort', abort, { once: true });
    }) as Promise<GenerateResult>;
  }

  /**
   * The request with the bytes of images and frames already sent dropped (the same object when there are
   * none).
   */
  private withoutSentBytes(request: GenerateRequest): GenerateRequest {
    const sent = (item: { sha256?: string; data?: Uint8Array }) =>
      item.data !== undefined && item.sha256 !== undefined && this.sent.has(item.sha256);
    const slim = (part: Part): Part => {
      if (part.type === 'image') return sent(part) ? withoutData(part) : part;
      if (part.type !== 'video' || !part.frames.some((f) => 'sha256' in f && sent(f))) return part;
      return { ...part, frames: part.frames.map((f) => ('sha256' in f && sent(f) ? withoutData(f) : f)) };
    };
    if (!request.messages.some((m) => m.content.some((part) => slim(part) !== part))) return request;
    return {
      ...request,
      messages: request.messages.map((message) => ({ ...message, content: message.content.map(slim) })),
    };
  }

  close(): void {
    clearTimeout(this.timer);
    this.process.kill();
  }

  private call(
    type: EngineRequest['type'],
    payload: object,
    onText?: (delta: string) => void,
    started?: (id: number) => void,
  ): Promise<unknown> {
    if (this.exited) return Promise.reject(this.exited);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onText });
      if (!this.watch) this.watchFrom(null, { stage: 'request' });
      this.process.send({ id, type, ...payload });
      started?.(id);
    });
  }

  private settle(message: Extract<EngineMessage, { type: 'result' }>): void {
    const pending = this.pending.get(message.id);
    if (!pending) return;
    this.pending.delete(message.id);
    if (this.pending.size === 0) this.watchFrom(null, null);
    else if (this.watch?.id === message.id || this.watch?.id === null)
      this.watchFrom(null, { stage: 'request' });
    if (message.ok) pending.resolve(message.value);
    else pending.reject(new TesseraError(message.error.code, message.error.message));
  }

  /** A stage report (a new stage) or streamed text (progress in the current one) from request `id`. */
  private progress(id: number, stage?: Current): void {
    if (!this.pending.has(id)) return;
    if (stage) this.watchFrom(id, stage);
    else if (this.watch?.id === id) this.watchFrom(id, this.watch.current);
  }

  /** Restarts the deadline: `current` from now (null: nothing in flight, nothing to watch). */
  private watchFrom(id: number | null, current: Current | null): void {
    clearTimeout(this.timer);
    this.watch = current ? { id, current } : null;
    if (!current || this.exited) return;
    const deadlineMs = deadlineOf(current, this.deadlines);
    this.timer = setTimeout(() => this.hung(current, deadlineMs), deadlineMs);
  }

  private hung(current: Current, deadlineMs: number): void {
    this.hang = describeHang(current, deadlineMs);
    this.exited = new TesseraError('ENGINE_HUNG', this.hang.message);
    this.process.kill();
    this.onHang(this.hang);
    // Not waiting for the exit: a process that ignores the kill must not keep anyone waiting.
    this.failPending(this.exited);
  }

  private failPending(error: Error): void {
    clearTimeout(this.timer);
    this.watch = null;
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
  }
}
