/**
 * Events from the services feed the store here, outside React (zustand's "transient updates"): a token
 * arriving does not go through any component. Deltas are also batched per animation frame, so a fast model
 * costs at most one store update — and one Markdown render — per frame.
 */
import type { Api } from '../../app/ipc/contract.ts';
import type { AppStore } from './store.ts';

export type Scheduler = (flush: () => void) => void;

const frameScheduler: Scheduler = (flush) => {
  if (typeof requestAnimationFrame === 'function' && document.visibilityState === 'visible')
    requestAnimationFrame(flush);
  // Hidden windows get no frames; a timer still drains the buffer.
  else setTimeout(flush, 100);
};

export function bindEvents(api: Api, store: AppStore, schedule: Scheduler = frameScheduler): () => void {
  let buffer: Record<string, string> = {};
  let scheduled = false;

  function flush(): void {
    scheduled = false;
    const batch = buffer;
    buffer = {};
    if (Object.keys(batch).length > 0) store.getState().appendDeltas(batch);
  }

  let changedTimer: ReturnType<typeof setTimeout> | null = null;
  const changedThreads = new Set<string>();
  function threadsChanged(): void {
    changedTimer = null;
    const state = store.getState();
    void state.loadThreads();
    if (state.currentThreadId && changedThreads.has(state.currentThreadId)) void state.refreshCurrent();
    changedThreads.clear();
  }

  const offs = [
    api.on('answer.delta', ({ messageId, text }) => {
      buffer[messageId] = (buffer[messageId] ?? '') + text;
      if (!scheduled) {
        scheduled = true;
        schedule(flush);
      }
    }),
    api.on('answer.done', ({ message }) => {
      flush(); // deltas before "done" must land before the final message replaces them
      store.getState().finishAnswer(message);
    }),
    api.on('engine.status', (status) => store.getState().setEngine(status)),
    // Throttled by the services (a few per second): each replaces one job, and only what shows that job
    // re-renders.
    api.on('downloads.progress', (job) => store.getState().applyDownload(job)),
    api.on('models.changed', () => {
      const state = store.getState();
      void state.loadModels();
      // Free disk space changed, and the catalog marks what is installed.
      void state.loadCatalog();
    }),
    api.on('threads.changed', ({ threadId }) => {
      // Bursts (a send changes a thread several times) become one reload.
      changedThreads.add(threadId);
      if (changedTimer === null) changedTimer = setTimeout(threadsChanged, 250);
    }),
  ];

  return () => {
    for (const off of offs) off();
    if (changedTimer !== null) clearTimeout(changedTimer);
  };
}
