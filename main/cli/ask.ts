/**
 * `tessera ask`: streams an answer about one or more images; per-stage timings go to stderr. With `--remote
 * URL` the question goes to an OpenAI-compatible server instead (main/remote/ask-remote.ts).
 */
import type { ChatMessage, GenerationStats } from '../../app/chat.ts';
import { EngineClient } from '../../models/engine/client.ts';
import { DTYPES } from '../../models/runtime/model-folder.ts';
import type { Dtype } from '../../models/runtime/model-folder.ts';
import { DEVICES } from '../../models/runtime/devices.ts';
import { UsageError, intOption, numberOption, oneOf, parse, required } from './args.ts';
import { readImageFile } from './plan.ts';
import { isVideoPath, readVideoPart } from './video.ts';
import { askRemote } from '../remote/ask-remote.ts';

export async function askCommand(args: string[]): Promise<void> {
  const split = args.indexOf('--');
  if (split < 0 || split === args.length - 1) throw new UsageError('put the question after "--".');
  const question = args.slice(split + 1).join(' ');
  const { values, positionals } = parse(args.slice(0, split), {
    model: { type: 'string' },
    device: { type: 'string' },
    dtype: { type: 'string' },
    detail: { type: 'string' },
    'max-tokens': { type: 'string' },
    seed: { type: 'string' },
    temperature: { type: 'string' },
    fps: { type: 'string' },
    'max-frames': { type: 'string' },
    remote: { type: 'string' },
    'api-key': { type: 'string' },
  });
  if (values.remote === undefined && values['api-key'] !== undefined) {
    throw new UsageError('--api-key goes with --remote URL.');
  }
  const dir = required(values.model, 'model');
  const device = oneOf(values.device, 'device', DEVICES) ?? 'auto';
  const dtype = oneOf(values.dtype, 'dtype', DTYPES) as Dtype | undefined;
  const detail = oneOf(values.detail, 'detail', ['low', 'high'] as const);
  const sampling = {
    maxTokens: intOption(values['max-tokens'], 'max-tokens', 1),
    seed: intOption(values.seed, 'seed'),
    temperature: numberOption(values.temperature, 'temperature'),
  };
  if (values.remote !== undefined && positionals.some(isVideoPath)) {
    throw new UsageError('a remote server takes images, not videos: ask about a video with a local --model.');
  }
  // Videos (by extension) are decoded here with ffmpeg; the engine never runs it.
  const fps = numberOption(values.fps, 'fps');
  const maxFrames = intOption(values['max-frames'], 'max-frames', 1);
  const videoSampling = { ...(fps !== undefined ? { fps } : {}), ...(maxFrames ? { maxFrames } : {}) };
  const parts = await Promise.all(
    positionals.map(async (path) =>
      isVideoPath(path)
        ? (await readVideoPart(dir, path, videoSampling)).part
        : { type: 'image' as const, data: await readImageFile(path), detail },
    ),
  );
  const message: ChatMessage = {
    role: 'user',
    content: [...parts, { type: 'text', text: question }],
  };

  if (values.remote !== undefined) {
    if (values.device !== undefined || values.dtype !== undefined) {
      throw new UsageError('--device and --dtype are for a local model; the remote server chooses its own.');
    }
    // --model is the server's model name here; the key from the flag, else OPENAI_API_KEY (as the SDKs do).
    const apiKey = values['api-key'] ?? (process.env.OPENAI_API_KEY || null);
    return askRemote({ baseUrl: values.remote, model: dir, apiKey, message, sampling });
  }
  const engine = EngineClient.spawn();
  const abort = new AbortController();
  process.once('SIGINT', () => abort.abort());
  try {
    await engine.ready;
    const info = await engine.request('load', { dir, device, dtype });
    const result = await engine.generate(
      { messages: [message], sampling },
      { onText: (delta) => process.stdout.write(delta), signal: abort.signal },
    );
    process.stdout.write('\n');
    printStats(result.stats, result.finishReason, info.family);
  } finally {
    engine.close();
  }
}

function printStats(stats: GenerationStats, finishReason: string, family: string): void {
  const ms = (n: number) => `${n.toFixed(1)} ms`;
  const { vision, embed, decoder } = stats.providers;
  const lines = [
    `family            ${family}`,
    `providers         vision ${vision.provider}/${vision.dtype}, embed ${embed.provider}/${embed.dtype}, decoder ${decoder.provider}/${decoder.dtype}`,
    `preprocess        ${ms(stats.preprocessMs)}`,
    `vision encode     ${ms(stats.visionEncodeMs)}`,
    `prefill           ${ms(stats.prefillMs)} (${stats.promptTokens} prompt tokens)`,
    `first token       ${ms(stats.timeToFirstTokenMs)}`,
    `decode            ${stats.decodeTokensPerSecond.toFixed(1)} tokens/s (${stats.generatedTokens} tokens, ${finishReason})`,
  ];
  console.error(lines.join('\n'));
}
