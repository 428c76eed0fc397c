/**
 * One chat completion on the engine, through the app's GenerationQueue (an external job): it waits behind
 * the app's own answers, runs on the one engine (loading the model it names), and touches no store. Every
 * API conversation shares one KV-cache thread id, so the engine's prefix matching serves a multi-turn
 * conversation's earlier turns from the cache without a cache per client growing without bound.
 */
import type { GenerateRequest, GenerateResult, Sampling } from '../../app/chat.ts';
import type { TilePlan } from '../../app/tile-plan.ts';
import type { Context } from '../services/context.ts';
import type { GenerationQueue } from '../services/generation.ts';
import type { EngineTarget } from '../services/engine-host.ts';
import { TesseraError } from '../../models/errors.ts';
import { ApiError } from './errors.ts';
import { translateMessages } from './messages.ts';
import type { ApiModel } from './models.ts';
import type { ChatCompletionRequest, TesseraExtension, Usage } from './schemas.ts';

/** The engine's KV-cache thread of every API request (store thread ids are UUIDs: no clash). */
export const API_THREAD_ID = 'openai-api';

export interface CompletionDeps {
  ctx: Context;
  queue: GenerationQueue;
  fetchImageUrls: boolean;
  /** Counts API requests by state (the app shows them): +1 entering a state, −1 leaving it. */
  onQueueState?: (state: 'waiting' | 'running', delta: 1 | -1) => void;
}

export interface Completion {
  text: string;
  finishReason: 'stop' | 'length';
  usage: Usage;
  tessera: TesseraExtension;
}

/**
 * Runs the request; `onText` gets the answer as it streams. Rejects with an ApiError (ABORTED TesseraError
 * when `signal` aborted: the client went away and nobody is left to answer).
 */
export async function complete(
  deps: CompletionDeps,
  model: ApiModel,
  body: ChatCompletionRequest,
  onText: (text: string) => void,
  signal: AbortSignal,
): Promise<Completion> {
  const { ctx } = deps;
  const settings = ctx.store.getSettings();
  const family = ctx.families.get(model.entry.dir);
  const { messages, plans } = await translateMessages(body.messages, {
    family,
    fetchImageUrls: deps.fetchImageUrls,
  });
  const request: GenerateRequest = {
    threadId: API_THREAD_ID,
    messages,
    sampling: samplingOf(body, settings.sampling, ctx.sampling, model.entry.contextLength),
  };
  const target: EngineTarget = {
    modelId: model.entry.id,
    dir: model.entry.dir,
    device: settings.device,
    name: model.entry.name,
    family: model.entry.family,
  };
  const result = await throughQueue(deps, target, request, onText, signal);
  if (result.finishReason === 'aborted') throw new TesseraError('ABORTED', 'The client went away.');
  return {
    text: result.text,
    finishReason: result.finishReason === 'length' ? 'length' : 'stop',
    usage: {
      prompt_tokens: result.stats.promptTokens,
      completion_tokens: result.stats.generatedTokens,
      total_tokens: result.stats.promptTokens + result.stats.generatedTokens,
      prompt_tokens_details: { cached_tokens: result.stats.cachedTokens },
    },
    tessera: extension(result, plans, model.entry.family),
  };
}

function throughQueue(
  deps: CompletionDeps,
  target: EngineTarget,
  request: GenerateRequest,
  onText: (text: string) => void,
  signal: AbortSignal,
): Promise<GenerateResult> {
  const { ctx, queue } = deps;
  const aborted = () => new TesseraError('ABORTED', 'The client went away.');
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(aborted());
    // Counted as running until the engine is done with it (not when the client leaves), so the app's
    // indicator never shows the engine free while it still stops.
    let state: 'waiting' | 'running' | 'ended' = 'waiting';
    deps.onQueueState?.('waiting', 1);
    const leave = () => {
      if (state !== 'ended') deps.onQueueState?.(state, -1);
      state = 'ended';
    };
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', cancel);
      fn();
    };
    const handle = queue.enqueueExternal({
      run: async (jobSignal) => {
        if (state !== 'waiting') return;
        deps.onQueueState?.('waiting', -1);
        deps.onQueueState?.((state = 'running'), 1);
        try {
          await ctx.engine.setTarget(target);
          if (jobSignal.aborted) throw aborted();
          const result = await ctx.engine.withEngine(
            (client) => client.generate(request, { signal: jobSignal, onText: (t) => settled || onText(t) }),
            { busy: true },
          );
          settle(() => resolve(result));
        } catch (error) {
          settle(() => reject(error));
        } finally {
          leave();
        }
      },
      dropped: () => {
        leave();
        const closing = new ApiError(
          503,
          'Tessera is shutting down; try again later.',
          null,
          'shutting_down',
        );
        settle(() => reject(signal.aborted ? aborted() : closing));
      },
    });
    // The client went away: it leaves the queue, or its generation is stopped. Nobody waits for the answer.
    function cancel() {
      handle.cancel();
      settle(() => reject(aborted()));
    }
    signal.addEventListener('abort', cancel, { once: true });
  });
}

/** OpenAI's sampling fields as the engine's; unset ones take the app's defaults from Settings. */
export function samplingOf(
  body: ChatCompletionRequest,
  defaults: { temperature: number; topP: number },
  extra: Partial<Sampling>,
  contextLength: number,
): Sampling {
  // Unset: as long as the context allows (the engine stops at the window's end).
  const maxTokens =
    body.max_completion_tokens ?? body.max_tokens ?? Math.min(Math.max(1, contextLength), 1_000_000);
  const stop = typeof body.stop === 'string' ? [body.stop] : (body.stop ?? undefined);
  return {
    ...extra,
    maxTokens,
    temperature: body.temperature ?? defaults.temperature,
    topP: body.top_p ?? defaults.topP,
    ...(body.seed !== undefined && body.seed !== null
      ? { seed: ((body.seed % 2 ** 32) + 2 ** 32) % 2 ** 32 }
      : {}),
    ...(stop && stop.length > 0 ? { stop } : {}),
    ...(body.frequency_penalty ? { frequencyPenalty: body.frequency_penalty } : {}),
    ...(body.presence_penalty ? { presencePenalty: body.presence_penalty } : {}),
  };
}

function extension(result: GenerateResult, plans: TilePlan[], family: string): TesseraExtension {
  const { stats } = result;
  return {
    plans,
    timings: {
      preprocess_ms: stats.preprocessMs,
      vision_encode_ms: stats.visionEncodeMs,
      prefill_ms: stats.prefillMs,
      time_to_first_token_ms: stats.timeToFirstTokenMs,
      decode_tokens_per_second: stats.decodeTokensPerSecond,
    },
    cached_tokens: stats.cachedTokens,
    model: { family },
  };
}
