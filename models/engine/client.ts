/**
 * The caller's side of the engine protocol. It spawns the engine in its own process, matches answers to
 * requests, forwards streamed text, turns aborts into abort messages, and fails every request in flight
 * with ENGINE_CRASHED when the process dies, so a native crash never leaves a caller waiting.
 */
import type { GenerateRequest, GenerateResult } from '../../app/chat.ts';
import { TesseraError } from '../errors.ts';
import { forkEngineProcess } from './fork.ts';
import type { EngineMessage, EngineRequest, EngineResults, MessagePort } from './protocol.ts';

type Payload<T extends EngineRequest['type']> = Omit<Extract<EngineRequest, { type: T }>, 'id' | 'type'>;

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  onText?: (delta: string) => void;
}

export interface EngineProcess extends MessagePort {
  readonly pid: number | undefined;
  onExit(listener: (code: number | null, signal: string | null) => void): void;
  kill(): void;
}

export class EngineClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private exited: Error | null = null;
  readonly ready: Promise<void>;

  constructor(private readonly process: EngineProcess) {
    let markReady: () => void = () => {};
    let failReady: (error: Error) => void = () => {};
    this.ready = new Promise((resolve, reject) => {
      markReady = resolve;
      failReady = reject;
    });
    process.onMessage((message) => {
      const m = message as EngineMessage;
      if (m.type === 'ready') markReady();
      else if (m.type === 'delta') this.pending.get(m.id)?.onText?.(m.text);
      else if (m.type === 'result') this.settle(m);
    });
    process.onExit((code, signal) => {
      this.exited = new TesseraError(
        'ENGINE_CRASHED',
        `The inference engine stopped unexpectedly (${signal ? `signal ${signal}` : `exit code ${code}`}). ` +
          'If it keeps happening, try another device or a smaller model variant.',
      );
      failReady(this.exited);
      for (const pending of this.pending.values()) pending.reject(this.exited);
      this.pending.clear();
    });
  }

  /** Starts the engine as a Node child process (CLI, tests, headless use). */
  static spawn(options: { env?: NodeJS.ProcessEnv; preload?: readonly string[] } = {}): EngineClient {
    return new EngineClient(forkEngineProcess(options));
  }

  get pid(): number | undefined {
    return this.process.pid;
  }

  request<T extends Exclude<EngineRequest['type'], 'generate'>>(
    type: T,
    payload: Payload<T>,
  ): Promise<EngineResults[T]> {
    return this.call(type, payload) as Promise<EngineResults[T]>;
  }

  generate(
    request: GenerateRequest,
    options: { onText?: (delta: string) => void; signal?: AbortSignal } = {},
  ): Promise<GenerateResult> {
    const { signal } = options;
    return this.call('generate', { request }, options.onText, (id) => {
      const abort = () => void this.call('abort', { target: id }).catch(() => {});
      if (signal?.aborted) abort();
      else signal?.addEventListener('abort', abort, { once: true });
    }) as Promise<GenerateResult>;
  }

  close(): void {
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
      this.process.send({ id, type, ...payload });
      started?.(id);
    });
  }

  private settle(message: Extract<EngineMessage, { type: 'result' }>): void {
    const pending = this.pending.get(message.id);
    if (!pending) return;
    this.pending.delete(message.id);
    if (message.ok) pending.resolve(message.value);
    else pending.reject(new TesseraError(message.error.code, message.error.message));
  }
}
