/**
 * Answers are generated one at a time, in the order asked. Each job is an assistant message already stored
 * as 'streaming'; its conversation is read from the store when the job starts (not when it is queued), so
 * a follow-up queued behind its parent's answer sees that answer complete. Every job ends in the store
 * as complete, stopped or failed, and with an `answer.done` event: an answer is never left hanging.
 *
 * Stop always ends an answer promptly: the engine is asked to stop and given a moment to say so (with its
 * stats); an engine still loading a model, or stuck in a step it cannot interrupt (encoding an image), is
 * not waited for. The answer ends as stopped with the text it has, and the engine's watchdog deals with an
 * engine that is truly stuck.
 *
 * The queue also runs external jobs (the OpenAI-compatible API's requests, main/api/): they touch no store
 * and run themselves when their turn comes. The app's own answers go first: a waiting answer starts before
 * any waiting external job, and nothing running is pre-empted, so the app's chat waits at most for the one
 * job in flight.
 */
import type { GenerateRequest } from '../../app/chat.ts';
import type { GenerationStats, TokenConfidence } from '../../app/chat.ts';
import type { MessageStatus, WireError } from '../../app/ipc/contract.ts';
import type { Context } from './context.ts';
import { toWireError } from './dispatch.ts';
import type { EngineClient } from '../../models/engine/client.ts';
import type { EngineTarget } from './engine-host.ts';

export interface PreparedJob {
  request: GenerateRequest;
  target: EngineTarget;
  /**
   * The request cut to fit the context window by the overflow setting, counted by the engine (which must
   * have the target's model loaded); absent when nothing may be left out.
   */
  fit?: (client: EngineClient) => Promise<{ request: GenerateRequest; dropped: string[] }>;
  /** Questions whose images the request sends at Low detail (the thread's choice), for the stats. */
  lowered?: string[];
}

/**
 * An answer from a remote OpenAI-compatible server instead of the local engine (main/remote/remote-job.ts):
 * it streams through `onText` and ends complete, stopped (the signal aborted) or failed, never throwing for
 * what the server does.
 */
export interface RemoteJob {
  remote: (
    signal: AbortSignal,
    onText: (text: string) => void,
  ) => Promise<{ stopped: boolean; stats: GenerationStats; error: WireError | null }>;
}

interface Job {
  messageId: string;
  threadId: string;
  controller: AbortController;
  /** Recorded as finished: text the engine still streams for it is dropped. */
  ended: boolean;
}

/** A job that is not a stored answer (an API request): the queue only orders it and can stop it. */
export interface ExternalJob {
  /** Runs when its turn comes; `signal` aborts when it is cancelled or the queue closes. */
  run(signal: AbortSignal): Promise<void>;
  /** It will never run: cancelled while waiting, or the queue closed. */
  dropped(): void;
}

interface ExternalEntry {
  job: ExternalJob;
  controller: AbortController;
}

export interface QueueOptions {
  /** How long a stopped answer waits for the engine to confirm before it ends anyway. */
  stopGraceMs?: number;
}

const ABANDONED = Symbol('abandoned');

export class GenerationQueue {
  private readonly waiting: Job[] = [];
  private running: Job | null = null;
  private readonly externalWaiting: ExternalEntry[] = [];
  private externalRunning: ExternalEntry | null = null;
  private draining = false;
  private idle: Promise<void> = Promise.resolve();
  private closing = false;

  constructor(
    private readonly ctx: Context,
    /** Builds the engine request for a message when its turn comes. */
    private readonly prepare: (messageId: string) => PreparedJob | RemoteJob,
    private readonly options: QueueOptions = {},
  ) {}

  enqueue(messageId: string, threadId: string): void {
    this.waiting.push({ messageId, threadId, controller: new AbortController(), ended: false });
    this.wake();
  }

  /**
   * Queues an external job behind every waiting answer. `cancel` drops it while it waits (calling its
   * `dropped`) or aborts its signal while it runs; the queue moves on at most `stopGraceMs` after that.
   */
  enqueueExternal(job: ExternalJob): { cancel(): void } {
    const entry: ExternalEntry = { job, controller: new AbortController() };
    if (this.closing) {
      job.dropped();
      return { cancel: () => {} };
    }
    this.externalWaiting.push(entry);
    this.wake();
    return {
      cancel: () => {
        const index = this.externalWaiting.indexOf(entry);
        if (index >= 0) {
          this.externalWaiting.splice(index, 1);
          job.dropped();
        } else entry.controller.abort();
      },
    };
  }

  /** Stops a running answer (it keeps its text) or drops a waiting one. False if it is neither. */
  stop(messageId: string): boolean {
    if (this.running?.messageId === messageId) {
      this.running.controller.abort();
      return true;
    }
    const index = this.waiting.findIndex((j) => j.messageId === messageId);
    if (index < 0) return false;
    const [job] = this.waiting.splice(index, 1);
    if (job) this.finish(job, 'stopped', null, null);
    return true;
  }

  /** Stops everything of one thread (it is being deleted). */
  stopThread(threadId: string): void {
    for (const job of [...this.waiting, ...(this.running ? [this.running] : [])]) {
      if (job.threadId === threadId) this.stop(job.messageId);
    }
  }

  /** Quit: the running answer is stopped and it and every waiting one are marked interrupted (retryable). */
  async close(): Promise<void> {
    this.closing = true;
    this.running?.controller.abort();
    this.externalRunning?.controller.abort();
    for (const job of this.waiting.splice(0)) this.finish(job, 'interrupted', null, null);
    for (const entry of this.externalWaiting.splice(0)) entry.job.dropped();
    await this.idle;
  }

  private wake(): void {
    if (!this.draining) this.idle = this.drain();
  }

  /** Answers first, then external jobs, one at a time, until both queues are empty. */
  private async drain(): Promise<void> {
    this.draining = true;
    try {
      for (;;) {
        const job = this.waiting.shift();
        if (job) {
          this.running = job;
          await this.run(job);
          this.running = null;
          continue;
        }
        const external = this.externalWaiting.shift();
        if (!external) break;
        this.externalRunning = external;
        await this.runExternal(external);
        this.externalRunning = null;
      }
    } finally {
      this.draining = false;
    }
  }

  private async runExternal({ job, controller }: ExternalEntry): Promise<void> {
    try {
      // Its own errors are its own to report; the queue only needs it to settle, or to be let go of.
      const run = job.run(controller.signal).catch((error: unknown) => {
        this.ctx.log('an external generation job failed', error);
      });
      await unlessStopped(run, controller.signal, this.options.stopGraceMs ?? 3_000);
    } catch (error) {
      this.ctx.log('an external generation job failed', error);
    }
  }

  private async run(job: Job): Promise<void> {
    const { store, engine } = this.ctx;
    const { messageId } = job;
    const signal = job.controller.signal;
    try {
      if (store.getMessage(messageId)?.status !== 'streaming') return; // Finished elsewhere meanwhile.
      const prepared = this.prepare(messageId);
      if ('remote' in prepared) return await this.runRemote(job, prepared);
      const { request, target, fit, lowered = [] } = prepared;
      const stoppedNow = () => this.finish(job, this.closing ? 'interrupted' : 'stopped', null, null);
      // A model still loading is not waited for once the answer is stopped.
      if ((await unlessStopped(engine.setTarget(target), signal, 0)) === ABANDONED) return stoppedNow();
      if (signal.aborted) return stoppedNow();
      let dropped: string[] = [];
      const answer = engine.withEngine(
        async (client) => {
          const fitted = fit ? await fit(client) : { request, dropped };
          dropped = fitted.dropped;
          return client.generate(fitted.request, { signal, onText: (text) => this.delta(job, text) });
        },
        { busy: true },
      );
      const result = await unlessStopped(answer, signal, this.options.stopGraceMs ?? 3_000);
      if (result === ABANDONED) return stoppedNow();
      const stopped = result.finishReason === 'aborted';
      const status = stopped ? (this.closing ? 'interrupted' : 'stopped') : 'complete';
      const model = { id: target.modelId, name: target.name, family: target.family };
      const sentLow = lowered.filter((id) => !dropped.includes(id));
      const stats = {
        ...result.stats,
        model,
        ...(dropped.length > 0 ? { dropped } : {}),
        ...(sentLow.length > 0 ? { lowered: sentLow } : {}),
      };
      this.finish(job, status, stats, null, result.tokenIds, result.confidence);
    } catch (error) {
      const wire = toWireError(error);
      if (wire.code === 'INTERNAL') this.ctx.log(`generating ${messageId} failed`, error);
      this.finish(job, this.closing ? 'interrupted' : 'failed', null, wire);
    }
  }

  /** A remote server's answer: the local engine is not involved; Stop aborts its HTTP request. */
  private async runRemote(job: Job, prepared: RemoteJob): Promise<void> {
    const result = await prepared.remote(job.controller.signal, (text) => this.delta(job, text));
    const ended = result.error ? 'failed' : result.stopped ? 'stopped' : 'complete';
    this.finish(
      job,
      this.closing && ended !== 'complete' ? 'interrupted' : ended,
      result.stats,
      result.error,
    );
  }

  /** Runs inside the engine client's message handler, so it must not throw. */
  private delta(job: Job, text: string): void {
    if (job.ended) return;
    const { messageId } = job;
    try {
      this.ctx.store.appendText(messageId, text);
      this.ctx.events.emit('answer.delta', { messageId, text });
    } catch (error) {
      this.ctx.log(`could not store text of answer ${messageId}`, error);
    }
  }

  private finish(
    job: Job,
    status: MessageStatus,
    stats: GenerationStats | null,
    error: WireError | null,
    tokenIds?: readonly number[],
    confidence?: readonly TokenConfidence[],
  ): void {
    job.ended = true;
    try {
      const message = this.ctx.store.finishMessage(job.messageId, {
        status,
        stats,
        error,
        tokenIds,
        confidence,
      });
      this.ctx.events.emit('answer.done', { message });
      this.ctx.events.emit('threads.changed', { threadId: job.threadId });
    } catch (storeError) {
      // The store is gone (quit) or the message too; the start-up sweep marks leftovers interrupted.
      this.ctx.log(`could not record the end of answer ${job.messageId}`, storeError);
    }
  }
}

/**
 * The promise's value, or ABANDONED once `signal` has aborted and `graceMs` passed without it settling. An
 * abandoned promise may still settle later; that is then ignored.
 */
function unlessStopped<T>(
  promise: Promise<T>,
  signal: AbortSignal,
  graceMs: number,
): Promise<T | typeof ABANDONED> {
  return new Promise((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const onAbort = () => (timer = setTimeout(() => resolve(ABANDONED), graceMs));
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => (done(), resolve(value)),
      (error: unknown) => (done(), reject(error)),
    );
  });
}
