/**
 * Stored messages → what the engine and the token estimate see. Every image part, and every frame of a video
 * (stored as an image), carries its bytes and the store's sha256; the engine client sends the bytes only the
 * first time a given engine process sees the image and refers to it by hash afterwards, sending them again
 * only if the engine says it lacks them (models/engine/client.ts). The engine decodes them, trusts the
 * store's hash and keys its feature cache by it.
 */
import type { ChatMessage, Sampling, VideoPart } from '../../app/chat.ts';
import type {
  Message,
  MessagePart,
  Settings,
  Thread,
  TokenEstimate,
  VideoRef,
} from '../../app/ipc/contract.ts';
import type { Detail, Size, TilePlan } from '../../app/tile-plan.ts';
import { notFound } from './errors.ts';

export function systemPromptOf(thread: Thread, settings: Settings): string {
  return (thread.systemPrompt ?? settings.systemPrompt).trim();
}

export function samplingOf(thread: Thread, settings: Settings, extra: Partial<Sampling> = {}): Sampling {
  const { temperature, maxTokens, topP } = settings.sampling;
  return {
    temperature: thread.temperature ?? temperature,
    maxTokens: thread.maxTokens ?? maxTokens,
    topP: thread.topP ?? topP,
    ...extra,
  };
}

export function chatMessages(
  path: ReadonlyArray<Pick<Message, 'id' | 'role' | 'parts'>>,
  systemPrompt: string,
  /**
   * An image's or video frame's stored bytes; null: by hash alone (counting tokens needs only images' sizes
   * and videos' clip facts).
   */
  imageBytes: ((sha256: string) => Uint8Array | null) | null,
  tokenIdsOf: (messageId: string) => number[] | null = () => null,
): ChatMessage[] {
  const messages: ChatMessage[] = [];
  if (systemPrompt) messages.push({ role: 'system', content: [{ type: 'text', text: systemPrompt }] });
  for (const message of path) {
    if (message.role === 'assistant') {
      // With the model's own ids, the engine's prompt holds the answer as generated (ChatMessage.tokenIds).
      const tokenIds = tokenIdsOf(message.id);
      messages.push({
        role: 'assistant',
        content: [{ type: 'text', text: textOf(message.parts) }],
        ...(tokenIds ? { tokenIds } : {}),
      });
      continue;
    }
    messages.push({
      role: 'user',
      content: message.parts.map((part) => {
        if (part.type === 'text') return { type: 'text', text: part.text };
        if (part.type === 'video') return videoPart(part.video, imageBytes);
        const { sha256, detail } = part.image;
        if (!imageBytes) return { type: 'image', sha256, detail };
        const data = imageBytes(sha256);
        if (!data) throw notFound(`The image ${part.image.name} (${sha256.slice(0, 12)}…)`);
        return { type: 'image', sha256, data, detail };
      }),
    });
  }
  return messages;
}

/**
 * A stored video as the engine's video part: its clip facts and its frames as the stored images, by hash
 * and bytes (the engine decodes them, off this process).
 */
function videoPart(video: VideoRef, frameBytes: ((sha256: string) => Uint8Array | null) | null): VideoPart {
  const frames = video.frames.map(({ sha256 }, i) => {
    if (!frameBytes) return { sha256 };
    const what = `Frame ${i + 1} of the video ${video.name} (${sha256.slice(0, 12)}…)`;
    return { sha256, data: frameBytes(sha256) ?? raise(notFound(what)) };
  });
  return { type: 'video', source: video.source, sampling: video.sampling, frames };
}

function raise(error: Error): never {
  throw error;
}

export function textOf(parts: readonly MessagePart[]): string {
  return parts
    .filter((p): p is Extract<MessagePart, { type: 'text' }> => p.type === 'text')
    .map((p) => p.text)
    .join('');
}

/** Characters per token of English prose for BPE tokenizers; code and other scripts run denser. */
const CHARS_PER_TOKEN = 3.5;
/** Role markers and separators the chat template adds around each message ("<|im_start|>User:" …). */
const TOKENS_PER_MESSAGE = 4;

/**
 * An estimate of the prompt, made without the engine: each image's planned prompt tokens (exact: the plan
 * is the one the engine uses) plus text at ~3.5 characters per token and a few template tokens per message.
 * Text can be off by tens of percent, so the UI should present `fits` as a hint, not a guarantee; the
 * engine counts exactly and refuses an over-long prompt with PROMPT_TOO_LONG.
 */
export function estimateTokens(
  messages: ReadonlyArray<{ parts: readonly MessagePart[] }>,
  systemPrompt: string,
  plan: (size: Size, detail: Detail) => TilePlan,
  contextLength: number,
  /** A video's prompt tokens (its family's plan); absent, videos count nothing (a family without video). */
  videoTokens?: (video: VideoRef) => number,
): TokenEstimate {
  const text = (s: string) => Math.ceil(s.length / CHARS_PER_TOKEN);
  let promptTokens = systemPrompt ? text(systemPrompt) + TOKENS_PER_MESSAGE : 0;
  for (const message of messages) {
    promptTokens += TOKENS_PER_MESSAGE;
    for (const part of message.parts) {
      promptTokens +=
        part.type === 'text'
          ? text(part.text)
          : part.type === 'video'
            ? (videoTokens?.(part.video) ?? 0)
            : plan(part.image, part.image.detail).promptTokens;
    }
  }
  // The answer starts after the "Assistant:" marker the template appends.
  promptTokens += TOKENS_PER_MESSAGE;
  return { promptTokens, contextLength, fits: promptTokens < contextLength, exact: false };
}
