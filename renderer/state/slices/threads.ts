import type {
  Message,
  RequestInput,
  Thread,
  ThreadDetail,
  ThreadSummary,
} from '../../../app/ipc/contract.ts';
import { describeError } from '../../lib/errors.ts';
import { branchPath, buildTree, messageText } from '../branch.ts';
import type { MessageTree } from '../branch.ts';
import type { SliceCreator } from '../store.ts';
import { without } from './generation.ts';

/** The thread on screen: its messages indexed once, and the branch shown. */
export interface CurrentThread {
  thread: Thread;
  messages: Message[];
  tree: MessageTree;
  /** Root → thread.currentLeafId. */
  path: Message[];
}

export type ThreadPatch = Omit<RequestInput<'threads.update'>, 'id'>;

export interface ThreadsSlice {
  threadList: ThreadSummary[];
  threadListLoaded: boolean;
  threadListError: string | null;
  /** The sidebar's search; empty = every thread, most recent first. */
  threadQuery: string;
  currentThreadId: string | null;
  current: CurrentThread | null;
  loadThreads(): Promise<void>;
  searchThreads(query: string): Promise<void>;
  selectThread(id: string | null): Promise<void>;
  refreshCurrent(): Promise<void>;
  /** Opens a fresh thread (reusing the current one when it is still empty). */
  newThread(): Promise<Thread | null>;
  renameThread(id: string, title: string): Promise<void>;
  /** Soft delete with an Undo toast. */
  deleteThread(id: string): Promise<void>;
  restoreThread(id: string, select: boolean): Promise<void>;
  selectBranch(messageId: string): Promise<void>;
  updateThread(patch: ThreadPatch): Promise<void>;
  applyDetail(detail: ThreadDetail): void;
  applyThread(thread: Thread): void;
  /** Adds or replaces messages of the current thread; `leafId` moves the branch shown. */
  upsertMessages(messages: readonly Message[], leafId?: string | null): void;
}

export const NEW_THREAD_TITLE = 'New thread';
/** Enough for every thread a person keeps; the sidebar virtualises the list. */
const LIST_LIMIT = 10_000;
const SEARCH_LIMIT = 500;

export function makeCurrent(thread: Thread, messages: Message[]): CurrentThread {
  const tree = buildTree(messages);
  return { thread, messages, tree, path: branchPath(tree, thread.currentLeafId) };
}

function summaryOf(thread: Thread): ThreadSummary {
  return { id: thread.id, title: thread.title, updatedAt: thread.updatedAt, snippet: null };
}

function bumpToTop(list: ThreadSummary[], thread: Thread): ThreadSummary[] {
  const old = list.find((t) => t.id === thread.id);
  const entry = { ...(old ?? summaryOf(thread)), title: thread.title, updatedAt: thread.updatedAt };
  return [entry, ...list.filter((t) => t.id !== thread.id)];
}

export const createThreadsSlice: SliceCreator<ThreadsSlice> = ({ api }) => {
  // Sequence numbers drop answers that arrive after a newer request was made (fast typing in search).
  let listSeq = 0;
  // One creation at a time: a send and the first draft save of an empty app both ask for a thread.
  let creating: Promise<Thread | null> | null = null;
  return (set, get) => ({
    threadList: [],
    threadListLoaded: false,
    threadListError: null,
    threadQuery: '',
    currentThreadId: null,
    current: null,

    async loadThreads() {
      const seq = ++listSeq;
      const query = get().threadQuery.trim();
      const result = await api['threads.list'](
        query ? { query, limit: SEARCH_LIMIT } : { limit: LIST_LIMIT },
      );
      if (seq !== listSeq) return;
      if (result.ok) set({ threadList: result.value, threadListLoaded: true, threadListError: null });
      else set({ threadListLoaded: true, threadListError: describeError(result.error) });
    },

    async searchThreads(query) {
      if (query === get().threadQuery) return;
      set({ threadQuery: query });
      await get().loadThreads();
    },

    async selectThread(id) {
      if (id === null) {
        set({ currentThreadId: null, current: null });
        return;
      }
      if (get().current?.thread.id !== id) set({ currentThreadId: id, current: null });
      const result = await api['threads.get']({ id });
      if (get().currentThreadId !== id) return;
      if (!result.ok) {
        get().pushToast({
          message: `Could not open the thread: ${describeError(result.error)}`,
          tone: 'error',
        });
        return;
      }
      get().applyDetail(result.value);
    },

    async refreshCurrent() {
      const id = get().currentThreadId;
      if (!id) return;
      const result = await api['threads.get']({ id });
      if (get().currentThreadId !== id) return;
      if (result.ok) get().applyDetail(result.value);
      else if (result.error.code === 'NOT_FOUND') set({ currentThreadId: null, current: null });
    },

    async newThread() {
      const current = get().current;
      if (current && current.messages.length === 0) return current.thread;
      if (creating) return creating;
      creating = (async () => {
        const result = await api['threads.create']({ title: NEW_THREAD_TITLE });
        if (!result.ok) {
          get().pushToast({
            message: `Could not create a thread: ${describeError(result.error)}`,
            tone: 'error',
          });
          return null;
        }
        const thread = result.value;
        set((state) => ({
          threadList: state.threadQuery
            ? state.threadList
            : [summaryOf(thread), ...state.threadList.filter((t) => t.id !== thread.id)],
          currentThreadId: thread.id,
          current: makeCurrent(thread, []),
        }));
        return thread;
      })().finally(() => (creating = null));
      return creating;
    },

    async renameThread(id, title) {
      const trimmed = title.trim().slice(0, 200);
      const before = get().threadList;
      const old = before.find((t) => t.id === id);
      if (!trimmed || old?.title === trimmed) return;
      set({ threadList: before.map((t) => (t.id === id ? { ...t, title: trimmed } : t)) });
      const result = await api['threads.rename']({ id, title: trimmed });
      if (result.ok) get().applyThread(result.value);
      else {
        set({ threadList: before });
        get().pushToast({ message: `Could not rename: ${describeError(result.error)}`, tone: 'error' });
      }
    },

    async deleteThread(id) {
      const before = get().threadList;
      const at = before.findIndex((t) => t.id === id);
      const title = before[at]?.title ?? get().current?.thread.title ?? 'thread';
      const wasCurrent = get().currentThreadId === id;
      set({ threadList: before.filter((t) => t.id !== id) });
      if (wasCurrent) {
        const neighbour = before[at + 1] ?? before[at - 1] ?? null;
        void get().selectThread(neighbour?.id ?? null);
      }
      const result = await api['threads.delete']({ id });
      if (!result.ok) {
        void get().loadThreads();
        get().pushToast({ message: `Could not delete: ${describeError(result.error)}`, tone: 'error' });
        return;
      }
      get().pushToast({
        message: `Deleted “${title}”`,
        action: { label: 'Undo', run: () => void get().restoreThread(id, wasCurrent) },
      });
    },

    async restoreThread(id, select) {
      const result = await api['threads.restore']({ id });
      if (!result.ok) {
        get().pushToast({ message: `Could not restore: ${describeError(result.error)}`, tone: 'error' });
        return;
      }
      await get().loadThreads();
      if (select) await get().selectThread(id);
    },

    async selectBranch(messageId) {
      const current = get().current;
      if (!current) return;
      const result = await api['threads.selectBranch']({ threadId: current.thread.id, messageId });
      if (!result.ok) {
        get().pushToast({
          message: `Could not switch version: ${describeError(result.error)}`,
          tone: 'error',
        });
        return;
      }
      get().applyThread(result.value);
    },

    async updateThread(patch) {
      const current = get().current;
      if (!current) return;
      const before = current.thread;
      get().applyThread({ ...before, ...patch } as Thread);
      const result = await api['threads.update']({ id: before.id, ...patch });
      if (result.ok) get().applyThread(result.value);
      else {
        get().applyThread(before);
        get().pushToast({ message: `Could not save: ${describeError(result.error)}`, tone: 'error' });
      }
    },

    applyDetail({ thread, messages }) {
      const { settled, streamText } = get();
      // An answer may have finished between the read and now; its final form wins over "streaming".
      const merged = messages.map((m) => (m.status === 'streaming' ? (settled[m.id] ?? m) : m));
      let nextStream: Record<string, string> | null = null;
      for (const message of merged) {
        if (message.status !== 'streaming') continue;
        const stored = messageText(message);
        const ours = streamText[message.id];
        // Keep what was streamed here when it extends what the store has; otherwise the store is right
        // (deltas were missed while disconnected, or the answer restarted).
        if (ours === undefined || !ours.startsWith(stored))
          (nextStream ??= { ...streamText })[message.id] = stored;
      }
      set({ current: makeCurrent(thread, merged), ...(nextStream ? { streamText: nextStream } : {}) });
      if (thread.title) {
        set((state) => ({
          threadList: state.threadList.map((t) => (t.id === thread.id ? { ...t, title: thread.title } : t)),
        }));
      }
    },

    applyThread(thread) {
      const current = get().current;
      if (current?.thread.id === thread.id) {
        set({ current: makeCurrent(thread, current.messages) });
        // The new leaf may be a message this window has not seen (another window answered).
        if (thread.currentLeafId && !current.tree.byId.has(thread.currentLeafId)) void get().refreshCurrent();
      }
      set((state) => ({
        threadList: state.threadList.map((t) =>
          t.id === thread.id ? { ...t, title: thread.title, updatedAt: thread.updatedAt } : t,
        ),
      }));
    },

    upsertMessages(incoming, leafId) {
      const current = get().current;
      if (!current) return;
      const mine = incoming.filter((m) => m.threadId === current.thread.id);
      if (mine.length === 0) return;
      let settled = get().settled;
      const messages = [...current.messages];
      for (const fresh of mine) {
        const final = settled[fresh.id];
        settled = without(settled, fresh.id);
        const message = fresh.status === 'streaming' && final ? final : fresh;
        const at = messages.findIndex((m) => m.id === message.id);
        if (at >= 0) messages[at] = message;
        else messages.push(message);
      }
      const thread =
        leafId === undefined
          ? current.thread
          : { ...current.thread, currentLeafId: leafId, updatedAt: Date.now() };
      set((state) => ({
        current: makeCurrent(thread, messages),
        settled,
        // A new message makes its thread the most recent one.
        threadList:
          leafId === undefined || state.threadQuery ? state.threadList : bumpToTop(state.threadList, thread),
      }));
    },
  });
};
