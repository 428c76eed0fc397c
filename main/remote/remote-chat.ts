/**
 * One answer from a remote OpenAI-compatible server, streamed: the conversation goes as Chat Completions
 * messages (images as `data:` URLs with each image's detail), deltas come back through `onText` as they
 * arrive, and Stop aborts the HTTP request (the server sees its socket close).
 *
 * It never throws for what the server or the network does: the result says how the answer ended, with the
 * text so far, stats and, for a failure, a TesseraError saying what happened (a dropped connection, a
 * malformed event, a stall, a server that refused) — the caller keeps the partial answer and marks it.
 * The SDK ends a stream silently when it is aborted, and a server that closes the connection cleanly ends
 * it too: an answer counts as complete only with a finish reason.
 */
import type {
  ChatCompletionChunk,
  ChatCompletionContentPart,
  ChatCompletionMessageParam,
} from 'openai/resources/chat/completions';
import type { ChatMessage, FinishReason, GenerationStats, Sampling } from '../../app/chat.ts';
import { APIError } from 'openai';
import { TesseraError } from '../../app/errors.ts';
import { sniffMime } from '../services/images.ts';
import { createClient, toRemoteError, withRetries } from './client.ts';
import type { RemoteEndpoint, RetryPolicy } from './client.ts';

export interface RemoteChatRequest {
  endpoint: RemoteEndpoint;
  model: string;
  messages: readonly ChatMessage[];
  sampling: Sampling;
  signal: AbortSignal;
  onText: (text: string) => void;
}

export interface RemoteChatLimits {
  /** The most bytes one answer's stream may take (default MAX_RESPONSE_BYTES). */
  maxBytes?: number;
  retry: RetryPolicy;
  /** The longest wait for the response's headers. */
  firstByteMs: number;
  /** The longest pause between streamed events. */
  idleMs: number;
}

export interface RemoteChatResult {
  text: string;
  /** 'aborted' when stopped; meaningless when `error` is set. */
  finishReason: FinishReason;
  stats: GenerationStats;
  error: TesseraError | null;
}

export async function remoteChat(
  request: RemoteChatRequest,
  limits: RemoteChatLimits,
): Promise<RemoteChatResult> {
  const { endpoint, signal } = request;
  const started = performance.now();
  let firstTokenAt: number | null = null;
  let lastTokenAt = started;
  let text = '';
  let deltas = 0;
  let finish: string | null = null;
  let usage: ChatCompletionChunk['usage'] = null;

  // Stop, and the stall deadline, both end the HTTP request through one signal.
  const stall = new AbortController();
  const combined = AbortSignal.any([signal, stall.signal]);
  let stalledFor: number | null = null;
  let timer: NodeJS.Timeout | undefined;
  let armed = 0;
  const arm = (ms: number) => {
    clearTimeout(timer);
    const generation = ++armed;
    // Checked again after the poll phase: a process that was busy past the deadline reads what the socket
    // already holds before the stream counts as stalled.
    timer = setTimeout(
      () =>
        setImmediate(() => {
          if (generation !== armed) return;
          stalledFor = ms;
          stall.abort();
        }),
      ms,
    );
  };

  let error: TesseraError | null = null;
  let streaming = false;
  try {
    const client = createClient(endpoint, limits.firstByteMs, limits.maxBytes);
    arm(limits.firstByteMs);
    const stream = await withRetries(endpoint, limits.retry, combined, () =>
      client.chat.completions.create(
        {
          model: request.model,
          messages: request.messages.map(toOpenAiMessage),
          stream: true,
          stream_options: { include_usage: true },
          ...samplingParams(request.sampling),
        },
        { signal: combined },
      ),
    );
    arm(limits.idleMs);
    streaming = true;
    for await (const chunk of stream) {
      arm(limits.idleMs);
      if (chunk.usage) usage = chunk.usage;
      const choice = chunk.choices[0];
      const delta = choice?.delta?.content;
      if (delta) {
        firstTokenAt ??= performance.now();
        lastTokenAt = performance.now();
        deltas++;
        text += delta;
        request.onText(delta);
      }
      if (choice?.finish_reason) finish = choice.finish_reason;
    }
    if (!signal.aborted && stalledFor === null && finish === null) {
      error = broken(endpoint, 'the connection closed before the answer ended');
    }
  } catch (caught) {
    const stopped = signal.aborted || stalledFor !== null;
    if (streaming && !stopped) error = broken(endpoint, streamFault(caught));
    else if (!stopped) error = toRemoteError(endpoint, caught);
  } finally {
    clearTimeout(timer);
    armed++; // A check already queued finds the answer over.
  }
  const waited = (ms: number) => (ms < 1000 ? `${ms} ms` : `${Math.round(ms / 1000)} s`);
  if (stalledFor !== null && !signal.aborted) {
    error =
      text === '' && firstTokenAt === null && deltas === 0
        ? new TesseraError(
            'REMOTE_UNREACHABLE',
            `${endpoint.name} (${endpoint.baseUrl}) sent nothing for ${waited(stalledFor)}. Retry, or check the server.`,
            { retryable: true },
          )
        : broken(endpoint, `nothing arrived for ${waited(stalledFor)}`);
  }

  const generatedTokens = usage?.completion_tokens ?? deltas;
  const decodeMs = firstTokenAt === null ? 0 : lastTokenAt - firstTokenAt;
  const stats: GenerationStats = {
    promptTokens: usage?.prompt_tokens ?? 0,
    cachedTokens: usage?.prompt_tokens_details?.cached_tokens ?? 0,
    generatedTokens,
    imagesEncoded: 0,
    imagesFromCache: 0,
    preprocessMs: 0,
    visionEncodeMs: 0,
    prefillMs: 0,
    timeToFirstTokenMs: firstTokenAt === null ? 0 : firstTokenAt - started,
    decodeTokensPerSecond:
      decodeMs > 0 && generatedTokens > 1 ? ((generatedTokens - 1) * 1000) / decodeMs : 0,
    overheadMsPerToken: 0,
    providers: { vision: REMOTE, embed: REMOTE, decoder: REMOTE },
  };
  const finishReason: FinishReason = signal.aborted ? 'aborted' : finish === 'length' ? 'length' : 'eos';
  return { text, finishReason, stats, error };
}

/** What cut a stream short, in words: undici and the SDK say "terminated" and "malformed … JSON". */
function streamFault(error: unknown): string {
  if (error instanceof SyntaxError) return 'it sent a malformed event (not JSON)';
  if (error instanceof APIError) return `it sent an error: ${error.message}`;
  const message = error instanceof Error ? error.message : String(error);
  if (/cut off/.test(message)) return message;
  if (/terminated|other side closed|ECONNRESET|socket/i.test(message)) return 'the connection was cut';
  return message;
}

/** Where a remote answer ran, as far as Tessera can tell. */
const REMOTE = { provider: 'remote', dtype: 'server' };

function broken(endpoint: RemoteEndpoint, why: string): TesseraError {
  return new TesseraError(
    'REMOTE_STREAM_BROKEN',
    `The answer from ${endpoint.name} (${endpoint.baseUrl}) broke off: ${why}. What arrived is kept; Retry asks again.`,
    { retryable: true },
  );
}

/** Tessera's sampling in Chat Completions' names; what OpenAI's API has no field for is left out. */
function samplingParams(sampling: Sampling) {
  return {
    ...(sampling.temperature !== undefined ? { temperature: sampling.temperature } : {}),
    ...(sampling.topP !== undefined ? { top_p: sampling.topP } : {}),
    // max_tokens rather than max_completion_tokens: Ollama and llama.cpp read only the older name.
    ...(sampling.maxTokens !== undefined ? { max_tokens: sampling.maxTokens } : {}),
    ...(sampling.seed !== undefined ? { seed: sampling.seed } : {}),
    ...(sampling.stop?.length ? { stop: sampling.stop } : {}),
  };
}

/** A Tessera chat message as a Chat Completions one: images inline as `data:` URLs with their detail. */
export function toOpenAiMessage(message: ChatMessage): ChatCompletionMessageParam {
  const text = message.content.map((part) => (part.type === 'text' ? part.text : '')).join('');
  if (message.role === 'system') return { role: 'system', content: text };
  if (message.role === 'assistant') return { role: 'assistant', content: text };
  const content: ChatCompletionContentPart[] = message.content.map((part) => {
    if (part.type === 'text') return { type: 'text', text: part.text };
    if (part.type === 'video') {
      throw new TesseraError(
        'BAD_REQUEST',
        'A remote server takes images, not videos: ask about the video with a local model.',
      );
    }
    if (!part.data)
      throw new TesseraError('INTERNAL', 'An image for a remote server came without its bytes.');
    const url = `data:${sniffMime(part.data)};base64,${Buffer.from(part.data).toString('base64')}`;
    return { type: 'image_url', image_url: { url, ...(part.detail ? { detail: part.detail } : {}) } };
  });
  return { role: 'user', content };
}
