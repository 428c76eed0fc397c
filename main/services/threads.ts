/** threads.*: straight to the store, plus the checks and events the UI relies on. */
import type { Handlers, Thread } from '../../app/ipc/contract.ts';
import { toHtml } from '../store/export-html.ts';
import type { ThreadChanges } from '../store/types.ts';
import type { Context } from './context.ts';
import { notFound } from './errors.ts';
import type { GenerationQueue } from './generation.ts';

type ThreadHandlers = Pick<
  Handlers,
  | 'threads.list'
  | 'threads.create'
  | 'threads.get'
  | 'threads.rename'
  | 'threads.update'
  | 'threads.delete'
  | 'threads.restore'
  | 'threads.selectBranch'
  | 'threads.export'
>;

export function threadHandlers(ctx: Context, queue: GenerationQueue): ThreadHandlers {
  const { store, events } = ctx;
  const detail = (id: string) => store.getThread(id) ?? raise(notFound('The thread'));
  const changed = (thread: Thread): Thread => {
    events.emit('threads.changed', { threadId: thread.id });
    return thread;
  };

  return {
    'threads.list': async ({ query, limit }) => store.listThreads({ query, limit }),
    'threads.create': async ({ title }) => changed(store.createThread(title)),
    'threads.get': async ({ id }) => detail(id),
    'threads.rename': async ({ id, title }) => (detail(id), changed(store.renameThread(id, title))),
    'threads.update': async ({
      id,
      modelId,
      systemPrompt,
      temperature,
      topP,
      maxTokens,
      contextOverflow,
      earlierImagesLow,
    }) => {
      detail(id);
      if (modelId) ctx.models.get(modelId);
      const changes: ThreadChanges = {};
      if (modelId !== undefined) changes.modelId = modelId;
      if (systemPrompt !== undefined) changes.systemPrompt = systemPrompt;
      if (temperature !== undefined) changes.temperature = temperature;
      if (topP !== undefined) changes.topP = topP;
      if (maxTokens !== undefined) changes.maxTokens = maxTokens;
      if (contextOverflow !== undefined) changes.contextOverflow = contextOverflow;
      if (earlierImagesLow !== undefined) changes.earlierImagesLow = earlierImagesLow;
      return changed(store.updateThread(id, changes));
    },
    'threads.delete': async ({ id }) => {
      detail(id);
      queue.stopThread(id);
      store.deleteThread(id);
      ctx.engine.forgetThread(id); // Free its KV cache; a restore just prefills again.
      events.emit('threads.changed', { threadId: id });
      return { id };
    },
    'threads.restore': async ({ id }) => changed(store.restoreThread(id)),
    'threads.selectBranch': async ({ threadId, messageId }) => {
      const { messages } = detail(threadId);
      if (!messages.some((m) => m.id === messageId)) throw notFound('The message');
      // The store walks down from the message to its newest version at every level below it.
      return changed(store.setCurrentLeaf(threadId, messageId));
    },
    'threads.export': async ({ id, format }) => {
      const { thread } = detail(id);
      if (format === 'json') return store.exportJson(id);
      const markdown = store.exportMarkdown(id);
      return format === 'html' ? toHtml(markdown, thread.title) : markdown;
    },
  };
}

function raise(error: Error): never {
  throw error;
}
