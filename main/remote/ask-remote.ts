/**
 * `tessera ask --remote URL --model NAME`: one question about images to a remote OpenAI-compatible server,
 * the answer streamed to stdout, the server, model and timings to stderr. The key comes from `--api-key` or
 * OPENAI_API_KEY, and goes to that server only.
 */
import type { ChatMessage, Sampling } from '../../app/chat.ts';
import { TesseraError } from '../../app/errors.ts';
import { DEFAULT_RETRY } from './client.ts';
import { remoteChat } from './remote-chat.ts';
import { normalizeBaseUrl } from './servers.ts';

export interface RemoteAsk {
  baseUrl: string;
  model: string;
  apiKey: string | null;
  message: ChatMessage;
  sampling: Sampling;
}

export async function askRemote(ask: RemoteAsk): Promise<void> {
  const baseUrl = normalizeBaseUrl(ask.baseUrl);
  const endpoint = { name: new URL(baseUrl).host, baseUrl, apiKey: ask.apiKey };
  const abort = new AbortController();
  const onInterrupt = () => abort.abort();
  process.once('SIGINT', onInterrupt);
  try {
    const result = await remoteChat(
      {
        endpoint,
        model: ask.model,
        messages: [ask.message],
        sampling: ask.sampling,
        signal: abort.signal,
        onText: (delta) => process.stdout.write(delta),
      },
      { retry: DEFAULT_RETRY, firstByteMs: 180_000, idleMs: 120_000 },
    );
    if (result.text) process.stdout.write('\n');
    const { stats } = result;
    const ms = (n: number) => `${n.toFixed(1)} ms`;
    console.error(
      [
        `server            ${baseUrl}`,
        `model             ${ask.model}`,
        `first token       ${ms(stats.timeToFirstTokenMs)}`,
        `decode            ${stats.decodeTokensPerSecond.toFixed(1)} tokens/s (${stats.generatedTokens} tokens, ${result.error ? 'failed' : result.finishReason})`,
        ...(stats.promptTokens > 0
          ? [`prompt            ${stats.promptTokens} tokens (as the server counted)`]
          : []),
      ].join('\n'),
    );
    if (result.error) throw result.error;
    if (result.finishReason === 'aborted') throw new TesseraError('ABORTED', 'Stopped.');
  } finally {
    process.off('SIGINT', onInterrupt);
  }
}
