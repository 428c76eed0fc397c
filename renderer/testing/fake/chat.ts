/**
 * chat.*: questions and answers added to the thread's tree, and answers streamed from a canned text on a
 * timer when `autoAnswer` is on (tests otherwise emit the events themselves).
 */
import type { Message, MessagePart, RequestInput, Result } from '../../../app/ipc/contract.ts';
import { fakeConfidence } from './confidence.ts';
import { ANSWER, fakeStats } from './data.ts';
import { fakePlan } from './images.ts';
import { type FakeState, type HandlersOf, err, ok } from './state.ts';
import { UNTITLED, liveThread, titleFromText, touch } from './threads.ts';
import { fakeVideoPlan } from './videos.ts';

type ChatRequests =
  | 'chat.estimate'
  | 'chat.send'
  | 'chat.regenerate'
  | 'chat.edit'
  | 'chat.stop'
  | 'chat.retry'
  | 'chat.confidence';

const textOf = (message: Message) => message.parts.map((p) => (p.type === 'text' ? p.text : '')).join('');

export function chatHandlers(state: FakeState): HandlersOf<ChatRequests> {
  const { messages, images, models, options } = state;
  const timers = new Map<string, ReturnType<typeof setInterval>>();

  function addMessage(
    threadId: string,
    parentId: string | null,
    role: Message['role'],
    parts: MessagePart[],
  ) {
    const message: Message = {
      id: state.id(role === 'user' ? 'q' : 'a'),
      threadId,
      parentId,
      role,
      parts,
      status: role === 'user' ? 'complete' : 'streaming',
      createdAt: state.tick(),
      stats: null,
      error: null,
    };
    messages.set(message.id, message);
    const thread = touch(state, threadId, message.id);
    // Like the store: the first question titles a thread that has no title of its own.
    const text = parts.find((p) => p.type === 'text' && p.text.trim() !== '');
    if (role === 'user' && text?.type === 'text' && (thread.title === '' || thread.title === UNTITLED))
      state.threads.set(threadId, { ...thread, title: titleFromText(text.text) });
    return message;
  }

  /** A new empty answer under the question, streaming. */
  function answer(threadId: string, questionId: string): Message {
    const message = addMessage(threadId, questionId, 'assistant', [{ type: 'text', text: '' }]);
    startAnswer(message);
    return message;
  }

  /** The services' checks on a message a request names (NOT_FOUND, or BAD_REQUEST naming the rule). */
  function check(messageId: string, role: Message['role'], rule: string): Result<Message> {
    const message = messages.get(messageId);
    if (!message || !liveThread(state, message.threadId)) return err('NOT_FOUND', 'No such message.');
    if (message.role !== role || (role === 'assistant' && message.parentId === null))
      return err('BAD_REQUEST', rule);
    return ok(message);
  }

  function finish(messageId: string, status: Message['status']): void {
    const timer = timers.get(messageId);
    if (timer) clearInterval(timer);
    timers.delete(messageId);
    const message = messages.get(messageId);
    if (!message || message.status !== 'streaming') return;
    const text = message.parts[0]?.type === 'text' ? message.parts[0].text : '';
    const done: Message = {
      ...message,
      status,
      stats: { ...fakeStats(text.split(/\s+/).length), model: writer(message) },
    };
    messages.set(messageId, done);
    state.emit('answer.done', { message: done });
    state.setEngine({ state: 'ready' });
  }

  /** The model an answer is written by, as the services record it: the thread's own, else the active one. */
  function writer(message: Message) {
    const id = state.threads.get(message.threadId)?.modelId ?? state.settings.activeModelId;
    const model = state.models.find((m) => m.id === id);
    return model ? { id: model.id, name: model.name, family: model.family } : undefined;
  }

  function startAnswer(message: Message): void {
    state.setEngine({ state: 'busy' });
    if (!options.autoAnswer) return;
    const words = ANSWER.split(/(?<=\s)/);
    let at = 0;
    timers.set(
      message.id,
      setInterval(() => {
        const chunk = words.slice(at, at + 2).join('');
        at += 2;
        if (!chunk) return finish(message.id, 'complete');
        const current = messages.get(message.id);
        if (!current) return;
        const text = (current.parts[0]?.type === 'text' ? current.parts[0].text : '') + chunk;
        messages.set(message.id, { ...current, parts: [{ type: 'text', text }] });
        state.emit('answer.delta', { messageId: message.id, text: chunk });
      }, options.autoAnswer.chunkMs),
    );
  }

  function toParts(content: RequestInput<'chat.send'>['content']): Result<MessagePart[]> {
    const parts: MessagePart[] = [];
    for (const part of content) {
      if (part.type === 'text') parts.push(part);
      else if (part.type === 'video') {
        if (part.video.frames.some((frame) => !images.has(frame.sha256)))
          return err('NOT_FOUND', 'No such frame.');
        parts.push(part);
      } else {
        const stored = images.get(part.image.sha256);
        if (!stored) return err('NOT_FOUND', 'No such image.');
        parts.push({ type: 'image', image: { ...stored.ref, detail: part.image.detail } });
      }
    }
    return ok(parts);
  }

  return {
    'chat.estimate': ({ threadId, content }) => {
      let tokens = 0;
      for (const m of messages.values()) if (m.threadId === threadId) tokens += 40;
      for (const part of content) {
        if (part.type === 'text') tokens += Math.ceil(part.text.length / 4);
        else if (part.type === 'video') {
          const { size } = part.video.source;
          tokens += fakeVideoPlan(size.width, size.height, part.video.durationSeconds, part.video.sampling)
            .plan.promptTokens;
        } else {
          const stored = images.get(part.image.sha256);
          if (stored) tokens += fakePlan(stored.ref.width, stored.ref.height, part.image.detail).promptTokens;
        }
      }
      const contextLength = models[0]?.contextLength ?? 2048;
      return ok({ promptTokens: tokens, contextLength, fits: tokens < contextLength, exact: false });
    },
    'chat.send': ({ threadId, parentId, content }) => {
      if (!liveThread(state, threadId)) return err('NOT_FOUND', 'No such thread.');
      if (parentId !== null) {
        const parent = messages.get(parentId);
        if (parent?.threadId !== threadId) return err('NOT_FOUND', 'No such message to answer under.');
        if (parent.role !== 'assistant')
          return err('BAD_REQUEST', 'A question goes under an answer: parentId must be an answer.');
      }
      const parts = toParts(content);
      if (!parts.ok) return parts;
      const userMessage = addMessage(threadId, parentId, 'user', parts.value);
      return ok({ userMessage, assistantMessage: answer(threadId, userMessage.id) });
    },
    'chat.regenerate': ({ messageId }) => {
      const old = check(messageId, 'assistant', 'Only answers can be regenerated; edit a question instead.');
      if (!old.ok) return old;
      return ok({ assistantMessage: answer(old.value.threadId, old.value.parentId as string) });
    },
    'chat.edit': ({ messageId, content }) => {
      const old = check(messageId, 'user', 'Only questions can be edited; regenerate an answer instead.');
      if (!old.ok) return old;
      const parts = toParts(content);
      if (!parts.ok) return parts;
      const { threadId, parentId } = old.value;
      const userMessage = addMessage(threadId, parentId, 'user', parts.value);
      return ok({ userMessage, assistantMessage: answer(threadId, userMessage.id) });
    },
    'chat.stop': ({ messageId }) => {
      const streaming = messages.get(messageId)?.status === 'streaming';
      finish(messageId, 'stopped');
      return ok(streaming);
    },
    'chat.confidence': ({ messageId }) => {
      const message = messages.get(messageId);
      if (!message) return err('NOT_FOUND', 'No such message.');
      // Like the services: recorded for a local model's finished answer only.
      if (message.role !== 'assistant' || message.status === 'streaming' || message.stats?.model?.server)
        return ok(null);
      return ok(fakeConfidence(textOf(message)));
    },
    'chat.retry': ({ messageId }) => {
      const failed = check(messageId, 'assistant', 'Only answers can be retried.');
      if (!failed.ok) return failed;
      const old = failed.value;
      if (old.status !== 'failed' && old.status !== 'interrupted')
        return err(
          'BAD_REQUEST',
          `This answer is ${old.status}; only failed or interrupted answers can be retried.`,
        );
      // Like the services: an answer that got partway gets a new version beside it; an empty one is retried
      // in place.
      if (textOf(old) !== '') return ok({ assistantMessage: answer(old.threadId, old.parentId as string) });
      const assistantMessage: Message = {
        ...old,
        status: 'streaming',
        parts: [{ type: 'text', text: '' }],
        error: null,
        stats: null,
      };
      messages.set(messageId, assistantMessage);
      startAnswer(assistantMessage);
      return ok({ assistantMessage });
    },
  };
}
