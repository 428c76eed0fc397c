import type { Message, RequestInput, WireError } from '../../../app/ipc/contract.ts';
import { describeError } from '../../lib/errors.ts';
import { messageText } from '../branch.ts';
import type { SliceCreator } from '../store.ts';

type Content = RequestInput<'chat.send'>['content'];

/** A copy of a record without one key (records are replaced, never mutated, in the store). */
export function without<T>(record: Readonly<Record<string, T>>, key: string): Record<string, T> {
  if (!(key in record)) return record;
  return Object.fromEntries(Object.entries(record).filter(([k]) => k !== key));
}

export interface GenerationSlice {
  /**
   * The full text so far of each answer being streamed, by message id. Kept apart from the messages so a
   * token touches one small map and re-renders only the message that shows it.
   */
  streamText: Record<string, string>;
  /** Final answers that arrived before the message itself (answer.done can beat chat.send's reply). */
  settled: Record<string, Message>;
  appendDeltas(batch: Readonly<Record<string, string>>): void;
  finishAnswer(message: Message): void;
  stop(messageId: string): Promise<void>;
  regenerate(messageId: string): Promise<void>;
  retry(messageId: string): Promise<void>;
  /** A new version of a question (keeping its images) and its answer. */
  editAndResend(messageId: string, text: string): Promise<boolean>;
}

export const createGenerationSlice: SliceCreator<GenerationSlice> =
  ({ api }) =>
  (set, get) => {
    function startStreaming(message: Message, leafId: string | undefined, also: Message[] = []): void {
      set((state) => {
        const settled = without(state.settled, message.id);
        // Deltas can arrive before the request's reply; keep them.
        const text = state.streamText[message.id] ?? messageText(message);
        return { streamText: { ...state.streamText, [message.id]: text }, settled };
      });
      get().upsertMessages([...also, message], leafId);
    }

    function fail(what: string, error: WireError): void {
      get().pushToast({ message: `${what}: ${describeError(error)}`, tone: 'error' });
    }

    return {
      streamText: {},
      settled: {},

      appendDeltas(batch) {
        set((state) => {
          const next = { ...state.streamText };
          for (const [id, text] of Object.entries(batch)) {
            const known = state.current?.tree.byId.get(id);
            next[id] = (next[id] ?? (known ? messageText(known) : '')) + text;
          }
          return { streamText: next };
        });
      },

      finishAnswer(message) {
        const inView = get().current?.tree.byId.has(message.id) ?? false;
        const forCurrent = message.threadId === get().currentThreadId;
        set((state) => {
          const streamText = without(state.streamText, message.id);
          return {
            streamText,
            settled: !inView && forCurrent ? { ...state.settled, [message.id]: message } : state.settled,
          };
        });
        if (inView) get().upsertMessages([message]);
      },

      async stop(messageId) {
        const result = await api['chat.stop']({ messageId });
        if (!result.ok) fail('Could not stop', result.error);
      },

      async regenerate(messageId) {
        const result = await api['chat.regenerate']({ messageId });
        if (!result.ok) return fail('Could not regenerate', result.error);
        const answer = result.value.assistantMessage;
        startStreaming(answer, answer.id);
      },

      async retry(messageId) {
        const result = await api['chat.retry']({ messageId });
        if (!result.ok) return fail('Could not retry', result.error);
        startStreaming(result.value.assistantMessage, undefined);
      },

      async editAndResend(messageId, text) {
        const original = get().current?.tree.byId.get(messageId);
        if (!original) return false;
        // The question's images and videos go again as they were; only the text changes.
        const images = original.parts.flatMap((part): Content =>
          part.type === 'image'
            ? [{ type: 'image' as const, image: { sha256: part.image.sha256, detail: part.image.detail } }]
            : part.type === 'video'
              ? [{ type: 'video' as const, video: part.video }]
              : [],
        );
        const content = text.trim() ? [...images, { type: 'text' as const, text }] : images;
        if (content.length === 0) return false;
        const result = await api['chat.edit']({ messageId, content });
        if (!result.ok) {
          fail('Could not send the edit', result.error);
          return false;
        }
        const { userMessage, assistantMessage } = result.value;
        startStreaming(assistantMessage, assistantMessage.id, [userMessage]);
        return true;
      },
    };
  };
