/**
 * Answers are generated one at a time, in the order asked. Each job is an assistant message already stored
 * as 'streaming'; its conversation is read from the store when the job starts (not when it is queued), so
 * a follow-up queued behind its parent's answer sees that answer complete. Every job ends in the store
 * as complete, stopped or failed, and with an `answer.done` event: an answer is never left hanging.
 */
import type { GenerateRequest } from '../../app/chat.ts';
import type { GenerationStats } from '../../app/chat.ts';
import type { MessageStatus } from '../../app/ipc/contract.ts';
import type { Context } from './context.ts';
import { toWireError } from './dispatch.ts';
import type { EngineTarget } from './engine-host.ts';

export interface PreparedJob {
  request: GenerateRequest;
  target: EngineTarget;
}

interface Job {
  messageId: string;
  threadId: string;
  controller: AbortController;
}

export class GenerationQueue {
  private readonly waiting: Job[] = [];
  private running: Job | null = null;
  private idle: Promise<void> = Promise.resolve();
  private closing = false;

  constructor(
    private readonly ctx: Context,
    /** Builds the engine request for a message when its turn comes. */
    private readonly prepare: (messageId: string) => PreparedJob,
  ) {}

  enqueue(messageId: string, threadId: string): void {
    this.waiting.push({ messageId, threadId, controller: new AbortController() });
    if (!this.running) this.idle = this.drain();
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
    for (const job of this.waiting.splice(0)) this.finish(job, 'interrupted', null, null);
    await this.idle;
  }

  private async drain(): Promise<void> {
    for (let job = this.waiting.shift(); job; job = this.waiting.shift()) {
      this.running = job;
      await this.run(job);
      this.running = null;
    }
  }

  private async run(job: Job): Promise<void> {
    const { store, engine } = this.ctx;
    const { messageId } = job;
    const signal = job.controller.signal;
    try {
      if (store.getMessage(messageId)?.status !== 'streaming') return; // Finished elsewhere meanwhile.
      const { request, target } = this.prepare(messageId);
      await engine.setTarget(target);
      if (signal.aborted) return this.finish(job, this.closing ? 'interrupted' : 'stopped', null, null);
      const result = await engine.withEngine(
        (client) =>
          client.generate(request, {
            signal,
            onText: (text) => this.delta(messageId, text),
          }),
        { busy: true },
      );
      const stopped = result.finishReason === 'aborted';
      const status = stopped ? (this.closing ? 'interrupted' : 'stopped') : 'complete';
      this.finish(job, status, result.stats, null, result.tokenIds);
    } catch (error) {
      const wire = toWireError(error);
      if (wire.code === 'INTERNAL') this.ctx.log(`generating ${messageId} failed`, error);
      this.finish(job, this.closing ? 'interrupted' : 'failed', null, wire);
    }
  }

  /** Runs inside the engine client's message handler, so it must not throw. */
  private delta(messageId: string, text: string): void {
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
    error: { code: string; message: string } | null,
    tokenIds?: readonly number[],
  ): void {
    try {
      const message = this.ctx.store.finishMessage(job.messageId, { status, stats, error, tokenIds });
      this.ctx.events.emit('answer.done', { message });
      this.ctx.events.emit('threads.changed', { threadId: job.threadId });
    } catch (storeError) {
      // The store is gone (quit) or the message too; the start-up sweep marks leftovers interrupted.
      this.ctx.log(`could not record the end of answer ${job.messageId}`, storeError);
    }
  }
}
