/**
 * An in-memory Store for service and transport tests: the same contract as the SQLite store
 * (main/store/types.ts), none of the persistence. Missing ids throw NOT_FOUND like a real store would.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { GenerationStats } from '../../../app/chat.ts';
import type {
  ImageRef,
  Message,
  MessageStatus,
  Settings,
  Thread,
  ThreadDetail,
  ThreadSummary,
} from '../../../app/ipc/contract.ts';
import { StoreError } from '../../store/errors.ts';
import type { NewMessage, SettingsChanges, Store } from '../../store/types.ts';

const notFound = (what: string) => new StoreError('NOT_FOUND', `${what} not found`);

export const DEFAULT_SETTINGS: Settings = {
  activeModelId: null,
  device: 'auto',
  theme: 'system',
  sampling: { temperature: 0, maxTokens: 512, topP: 1 },
  systemPrompt: '',
};

export class MemoryStore implements Store {
  private readonly threads = new Map<string, Thread & { deleted: boolean }>();
  private readonly messages = new Map<string, Message>();
  private readonly images = new Map<string, { bytes: Uint8Array; meta: Omit<ImageRef, 'detail'> }>();
  private settings: Settings;
  private clock = 0;
  closed = false;

  constructor(settings: Partial<Settings> = {}) {
    this.settings = { ...structuredClone(DEFAULT_SETTINGS), ...settings };
  }

  /** Strictly increasing, so "newest" is well defined even within one millisecond. */
  private now(): number {
    this.clock = Math.max(this.clock + 1, Date.now());
    return this.clock;
  }

  private thread(id: string): Thread & { deleted: boolean } {
    const thread = this.threads.get(id);
    if (!thread || thread.deleted) throw notFound('The thread');
    return thread;
  }

  private message(id: string): Message {
    return this.messages.get(id) ?? raise(notFound('The message'));
  }

  listThreads(options: { query?: string; limit?: number } = {}): ThreadSummary[] {
    const query = options.query?.toLowerCase();
    return [...this.threads.values()]
      .filter((t) => !t.deleted)
      .map((t) => ({ t, hit: query ? this.search(t, query) : null }))
      .filter(({ hit }) => !query || hit !== null)
      .sort((a, b) => b.t.updatedAt - a.t.updatedAt)
      .slice(0, options.limit ?? 10_000)
      .map(({ t, hit }) => ({ id: t.id, title: t.title, updatedAt: t.updatedAt, snippet: hit }));
  }

  private search(thread: Thread, query: string): string | null {
    if (thread.title.toLowerCase().includes(query)) return thread.title;
    for (const m of this.messages.values()) {
      if (m.threadId !== thread.id) continue;
      for (const p of m.parts) if (p.type === 'text' && p.text.toLowerCase().includes(query)) return p.text;
    }
    return null;
  }

  createThread(title?: string): Thread {
    const now = this.now();
    const thread = {
      id: randomUUID(),
      title: title ?? 'New chat',
      createdAt: now,
      updatedAt: now,
      currentLeafId: null,
      modelId: null,
      systemPrompt: null,
      temperature: null,
      deleted: false,
    };
    this.threads.set(thread.id, thread);
    return publicThread(thread);
  }

  getThread(id: string): ThreadDetail | null {
    const thread = this.threads.get(id);
    if (!thread || thread.deleted) return null;
    const messages = [...this.messages.values()].filter((m) => m.threadId === id).map(copy);
    return { thread: publicThread(thread), messages };
  }

  renameThread(id: string, title: string): Thread {
    return this.touch(id, { title });
  }

  updateThread(id: string, changes: Partial<Pick<Thread, 'modelId' | 'systemPrompt' | 'temperature'>>) {
    return this.touch(id, changes);
  }

  private touch(id: string, changes: Partial<Thread>): Thread {
    Object.assign(this.thread(id), changes, { updatedAt: this.now() });
    return publicThread(this.thread(id));
  }

  deleteThread(id: string): void {
    this.thread(id).deleted = true;
  }

  restoreThread(id: string): Thread {
    const thread = this.threads.get(id) ?? raise(notFound('The thread'));
    thread.deleted = false;
    return publicThread(thread);
  }

  purgeDeleted(): void {
    for (const [id, t] of this.threads) {
      if (!t.deleted) continue;
      this.threads.delete(id);
      for (const [mid, m] of this.messages) if (m.threadId === id) this.messages.delete(mid);
    }
  }

  /** Like the SQLite store: down from the message to the newest version at every level below it. */
  setCurrentLeaf(threadId: string, messageId: string): Thread {
    this.thread(threadId);
    if (this.message(messageId).threadId !== threadId) throw notFound('The message');
    let leaf = messageId;
    for (;;) {
      const children = [...this.messages.values()].filter((m) => m.parentId === leaf);
      const newest = children.at(-1); // Map order is insertion order: the last child is the newest.
      if (!newest) break;
      leaf = newest.id;
    }
    return this.touch(threadId, { currentLeafId: leaf });
  }

  addMessage(input: NewMessage): Message {
    this.thread(input.threadId);
    if (input.parentId !== null && this.message(input.parentId).threadId !== input.threadId) {
      throw notFound('The parent message');
    }
    for (const part of input.parts) {
      if (part.type === 'image' && !this.images.has(part.image.sha256)) throw notFound('The image');
    }
    const message: Message = {
      id: randomUUID(),
      ...structuredClone(input),
      createdAt: this.now(),
      stats: null,
      error: null,
    };
    this.messages.set(message.id, message);
    this.touch(input.threadId, { currentLeafId: message.id });
    return copy(message);
  }

  getMessage(id: string): Message | null {
    const message = this.messages.get(id);
    return message ? copy(message) : null;
  }

  pathTo(messageId: string): Message[] {
    const path: Message[] = [];
    for (let m: Message | undefined = this.message(messageId); m;) {
      path.unshift(copy(m));
      m = m.parentId === null ? undefined : this.messages.get(m.parentId);
    }
    return path;
  }

  appendText(messageId: string, text: string): void {
    const { parts, status } = this.message(messageId);
    if (status !== 'streaming') throw new StoreError('CONFLICT', `Message ${messageId} is not streaming`);
    const last = parts.at(-1);
    if (last?.type === 'text') last.text += text;
    else parts.push({ type: 'text', text });
  }

  finishMessage(
    messageId: string,
    result: {
      status: MessageStatus;
      stats?: GenerationStats | null;
      error?: { code: string; message: string } | null;
    },
  ): Message {
    const message = this.message(messageId);
    Object.assign(message, {
      status: result.status,
      stats: result.stats ?? null,
      error: result.error ?? null,
    });
    return copy(message);
  }

  markInterrupted(): number {
    let count = 0;
    for (const m of this.messages.values()) {
      if (m.status === 'streaming') {
        m.status = 'interrupted';
        count++;
      }
    }
    return count;
  }

  putImage(bytes: Uint8Array, meta: Omit<ImageRef, 'sha256' | 'detail'>): { sha256: string } {
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    this.images.set(sha256, { bytes: new Uint8Array(bytes), meta: { sha256, ...meta } });
    return { sha256 };
  }

  getImageBytes(sha256: string): Uint8Array | null {
    const image = this.images.get(sha256);
    return image ? new Uint8Array(image.bytes) : null;
  }

  getImageMeta(sha256: string): Omit<ImageRef, 'detail'> | null {
    const image = this.images.get(sha256);
    return image ? { ...image.meta } : null;
  }

  getSettings(): Settings {
    return structuredClone(this.settings);
  }

  updateSettings(changes: SettingsChanges): Settings {
    const sampling = { ...this.settings.sampling, ...definedOnly(changes.sampling ?? {}) };
    this.settings = { ...this.settings, ...definedOnly(changes), sampling };
    return this.getSettings();
  }

  exportMarkdown(threadId: string): { filename: string; content: string } {
    const { thread, messages } = this.getThread(threadId) ?? raise(notFound('The thread'));
    const lines = [`# ${thread.title}`, ''];
    for (const m of thread.currentLeafId ? this.pathTo(thread.currentLeafId) : messages) {
      const text = m.parts.map((p) => (p.type === 'text' ? p.text : `![${p.image.name}]()`)).join('\n');
      lines.push(`**${m.role === 'user' ? 'You' : 'Tessera'}:** ${text}`, '');
    }
    return { filename: `${thread.title}.md`, content: lines.join('\n') };
  }

  exportJson(threadId: string): { filename: string; content: string } {
    const detail = this.getThread(threadId) ?? raise(notFound('The thread'));
    return { filename: `${detail.thread.title}.json`, content: JSON.stringify(detail, null, 2) };
  }

  close(): void {
    this.closed = true;
  }
}

function publicThread({ deleted: _deleted, ...thread }: Thread & { deleted: boolean }): Thread {
  return { ...thread };
}

const definedOnly = <T extends object>(o: T): Partial<T> =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

const copy = (m: Message): Message => structuredClone(m);

function raise(error: Error): never {
  throw error;
}
