/** threads.*: threads kept as message trees, soft-deleted until the session ends. */
import type { Message, Thread } from '../../../app/ipc/contract.ts';
import { type FakeState, type HandlersOf, err, ok } from './state.ts';

type ThreadRequests =
  | 'threads.list'
  | 'threads.create'
  | 'threads.get'
  | 'threads.rename'
  | 'threads.update'
  | 'threads.delete'
  | 'threads.restore'
  | 'threads.selectBranch'
  | 'threads.export';

/** Moves the thread's clock on and, with `leafId`, shows the branch ending there. */
export function touch(state: FakeState, threadId: string, leafId?: string): Thread {
  const thread = state.threads.get(threadId);
  if (!thread) throw new Error(`No thread ${threadId}.`);
  const next = {
    ...thread,
    updatedAt: state.tick(),
    ...(leafId !== undefined ? { currentLeafId: leafId } : {}),
  };
  state.threads.set(threadId, next);
  return next;
}

/** The store's title for a thread without one; the first question replaces it (as `titleFromText` does). */
export const UNTITLED = 'New chat';

/** A thread title from a question: one line, at most 60 characters, cut at a word boundary. */
export function titleFromText(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  if (line.length <= 60) return line;
  let cut = line.lastIndexOf(' ', 59);
  if (cut < 59 / 2) cut = 59;
  return line.slice(0, cut).trimEnd() + '…';
}

/** A thread that exists and is not deleted. */
export function liveThread(state: FakeState, threadId: string): Thread | undefined {
  return state.deleted.has(threadId) ? undefined : state.threads.get(threadId);
}

/** Down from a message to its newest version at every level below it. */
function newestLeaf(messages: Map<string, Message>, messageId: string): string {
  const children = [...messages.values()].filter((m) => m.parentId === messageId);
  const newest = children.sort((a, b) => b.createdAt - a.createdAt)[0];
  return newest ? newestLeaf(messages, newest.id) : messageId;
}

export function threadHandlers(state: FakeState): HandlersOf<ThreadRequests> {
  const { threads, deleted, messages, tick } = state;
  return {
    'threads.list': ({ query, limit }) => {
      const q = query?.trim().toLowerCase();
      let list = [...threads.values()].filter((t) => !deleted.has(t.id));
      const snippets = new Map<string, string>();
      if (q) {
        list = list.filter((t) => {
          if (t.title.toLowerCase().includes(q)) return true;
          const hit = [...messages.values()].find(
            (m) =>
              m.threadId === t.id &&
              m.parts.some((p) => p.type === 'text' && p.text.toLowerCase().includes(q)),
          );
          const part = hit?.parts.find((p) => p.type === 'text');
          if (part?.type === 'text') snippets.set(t.id, part.text.slice(0, 80));
          return Boolean(hit);
        });
      }
      list.sort((a, b) => b.updatedAt - a.updatedAt);
      return ok(
        list.slice(0, limit ?? 50).map((t) => ({
          id: t.id,
          title: t.title,
          updatedAt: t.updatedAt,
          snippet: snippets.get(t.id) ?? null,
        })),
      );
    },
    'threads.create': ({ title }) => {
      const now = tick();
      const thread: Thread = {
        id: state.id('t'),
        title: title?.trim() || UNTITLED,
        createdAt: now,
        updatedAt: now,
        currentLeafId: null,
        modelId: null,
        systemPrompt: null,
        temperature: null,
        topP: null,
        maxTokens: null,
        contextOverflow: null,
        earlierImagesLow: false,
      };
      threads.set(thread.id, thread);
      return ok(thread);
    },
    'threads.get': ({ id: threadId }) => {
      const thread = liveThread(state, threadId);
      if (!thread) return err('NOT_FOUND', 'No such thread.');
      const list = [...messages.values()].filter((m) => m.threadId === threadId);
      return ok({ thread, messages: list.sort((a, b) => a.createdAt - b.createdAt) });
    },
    'threads.rename': ({ id: threadId, title }) => {
      const thread = liveThread(state, threadId);
      if (!thread) return err('NOT_FOUND', 'No such thread.');
      const next = { ...thread, title: title.trim() || UNTITLED };
      threads.set(threadId, next);
      return ok(next);
    },
    'threads.update': ({ id: threadId, ...changes }) => {
      const thread = liveThread(state, threadId);
      if (!thread) return err('NOT_FOUND', 'No such thread.');
      if (changes.modelId && !state.models.some((m) => m.id === changes.modelId))
        return err('NOT_FOUND', 'No such model.');
      const next = { ...thread };
      if (changes.modelId !== undefined) next.modelId = changes.modelId;
      if (changes.systemPrompt !== undefined) next.systemPrompt = changes.systemPrompt;
      if (changes.temperature !== undefined) next.temperature = changes.temperature;
      if (changes.topP !== undefined) next.topP = changes.topP;
      if (changes.maxTokens !== undefined) next.maxTokens = changes.maxTokens;
      if (changes.contextOverflow !== undefined) next.contextOverflow = changes.contextOverflow;
      if (changes.earlierImagesLow !== undefined) next.earlierImagesLow = changes.earlierImagesLow;
      threads.set(threadId, next);
      return ok(next);
    },
    'threads.delete': ({ id: threadId }) => {
      if (!liveThread(state, threadId)) return err('NOT_FOUND', 'No such thread.');
      deleted.add(threadId);
      return ok({ id: threadId });
    },
    'threads.restore': ({ id: threadId }) => {
      deleted.delete(threadId);
      const thread = threads.get(threadId);
      return thread ? ok(thread) : err('NOT_FOUND', 'No such thread.');
    },
    'threads.selectBranch': ({ threadId, messageId }) => {
      const thread = liveThread(state, threadId);
      if (!thread) return err('NOT_FOUND', 'No such thread.');
      if (messages.get(messageId)?.threadId !== threadId) return err('NOT_FOUND', 'No such message.');
      // Like the store: the shown branch changes, the thread's time does not.
      const next = { ...thread, currentLeafId: newestLeaf(messages, messageId) };
      threads.set(threadId, next);
      return ok(next);
    },
    'threads.export': ({ id: threadId, format }) =>
      liveThread(state, threadId)
        ? ok({ filename: `${threadId}.${format === 'json' ? 'json' : 'md'}`, content: '' })
        : err('NOT_FOUND', 'No such thread.'),
  };
}
