/**
 * The main-process services: one handler per request of the contract (app/ipc/contract.ts), and the
 * events they push. Transport-free: Electron IPC (main/electron/ipc.ts) and the WebSocket server
 * (main/serve/) both call `dispatch(handlers, name, input)` and forward `events`.
 */
import type { Sampling } from '../../app/chat.ts';
import type { Handlers } from '../../app/ipc/contract.ts';
import type { Store } from '../store/types.ts';
import { chatHandlers } from './chat.ts';
import type { Context } from './context.ts';
import { syncEngine } from './context.ts';
import type { Logger } from './dispatch.ts';
import type { EngineHost } from './engine-host.ts';
import { EventHub } from './events.ts';
import type { EventSource } from './events.ts';
import { imageHandlers } from './images.ts';
import { FamilyCache, ModelCatalog } from './models.ts';
import { settingsHandlers } from './settings.ts';
import { threadHandlers } from './threads.ts';

export interface ServicesOptions {
  store: Store;
  /** Folders that are a model (config.json inside) or hold model folders one level down. */
  modelDirs: string[];
  engine: EngineHost;
  /** Added to every generation's sampling: seed, ignoreEos (tests, benchmarks). */
  sampling?: Partial<Sampling>;
  log?: Logger;
}

export interface Services {
  handlers: Handlers;
  events: EventSource;
  /** Stops answers (marked interrupted), stops the engine and purges soft-deleted threads. */
  dispose(): Promise<void>;
}

export function createServices(options: ServicesOptions): Services {
  const events = new EventHub();
  const ctx: Context = {
    store: options.store,
    engine: options.engine,
    events,
    models: new ModelCatalog(options.modelDirs),
    families: new FamilyCache(),
    log: options.log ?? ((message, error) => console.error(`tessera: ${message}`, error ?? '')),
    sampling: options.sampling ?? {},
  };
  // Start-up: nothing is generating yet, so answers still 'streaming' were cut off by the last exit.
  options.store.markInterrupted();
  options.store.purgeDeleted();
  const stopStatus = options.engine.onStatus((status) => events.emit('engine.status', status));
  const chat = chatHandlers(ctx);
  const handlers: Handlers = {
    ...threadHandlers(ctx, chat.queue),
    ...imageHandlers(ctx),
    ...chat.handlers,
    ...settingsHandlers(ctx),
  };
  // Load the model now, so the first question does not wait for it.
  syncEngine(ctx);

  let disposed: Promise<void> | null = null;
  return {
    handlers,
    events,
    dispose: () =>
      (disposed ??= (async () => {
        await chat.queue.close();
        await options.engine.dispose();
        stopStatus();
        options.store.purgeDeleted();
      })()),
  };
}
