/**
 * The main-process services: one handler per request of the contract (app/ipc/contract.ts), and the
 * events they push. Transport-free: Electron IPC (main/electron/ipc.ts) and the WebSocket server
 * (main/serve/) both call `dispatch(handlers, name, input)` and forward `events`.
 */
import { resolve } from 'node:path';
import type { Sampling } from '../../app/chat.ts';
import type { Handlers } from '../../app/ipc/contract.ts';
import type { HubClientOptions } from '../downloads/hub-client.ts';
import { DownloadManager } from '../downloads/manager.ts';
import type { Store } from '../store/types.ts';
import { browserCaptureHandlers } from './capture.ts';
import { chatHandlers } from './chat.ts';
import type { Context } from './context.ts';
import { syncEngine, syncIfNoModel } from './context.ts';
import type { Logger } from './dispatch.ts';
import { downloadHandlers } from './downloads.ts';
import { draftHandlers, sendClearingDraft } from './drafts.ts';
import { HubConfig, memoryTokenStore } from './hub-config.ts';
import type { TokenStore } from './hub-config.ts';
import type { EngineHost } from './engine-host.ts';
import { EventHub } from './events.ts';
import type { EventSource } from './events.ts';
import { imageHandlers } from './images.ts';
import { videoHandlers } from './videos.ts';
import { FamilyCache, ModelCatalog, modelId } from './models.ts';
import { settingsHandlers } from './settings.ts';
import { ApiController } from '../api/controller.ts';
import type { ApiOverrides } from '../api/controller.ts';
import { apiHandlers } from './api.ts';
import { RemoteServers } from '../remote/servers.ts';
import type { RemoteOptions } from '../remote/servers.ts';
import { remoteHandlers } from './remote.ts';
import { threadHandlers } from './threads.ts';

export interface ServicesOptions {
  store: Store;
  /** Folders that are a model (config.json inside) or hold model folders one level down. */
  modelDirs: string[];
  engine: EngineHost;
  /** Added to every generation's sampling: seed, ignoreEos (tests, benchmarks). */
  sampling?: Partial<Sampling>;
  log?: Logger;
  /** Model downloads; without it, downloads.* and catalog.get answer that they are not set up. */
  downloads?: DownloadsOptions;
  /** The local OpenAI-compatible API server: a command line's choices over the stored settings. */
  api?: ApiOverrides;
  /** Remote servers: where their API keys are kept (default: memory) and their time limits. */
  remote?: RemoteOptions;
}

export interface DownloadsOptions {
  /** Where downloaded models go; always scanned as a model folder too. */
  modelsDir: string;
  /** From a command-line flag: wins over the setting and HF_ENDPOINT. */
  hubEndpoint?: string;
  /** Default: in memory, empty. */
  tokenStore?: TokenStore;
  /** Added to every Hub client (tests: quick retries). */
  hubClient?: Omit<HubClientOptions, 'endpoint' | 'token'>;
  /** Free space check (tests stand in a full disk). */
  freeBytes?: (dir: string) => Promise<number>;
}

export interface Services {
  handlers: Handlers;
  events: EventSource;
  /** The local OpenAI-compatible API server (started when its settings say so). */
  api: ApiController;
  /** Stops downloads (to resume later) and answers (marked interrupted), stops the engine, purges threads. */
  dispose(): Promise<void>;
}

export function createServices(options: ServicesOptions): Services {
  const events = new EventHub();
  const { store } = options;
  const modelsDir = options.downloads ? resolve(options.downloads.modelsDir) : null;
  let manager: DownloadManager | null = null;
  const remote = new RemoteServers(store, options.remote);
  const models = new ModelCatalog({
    // The downloads folder and the folders the user added, beside the configured ones.
    dirs: () => [
      ...options.modelDirs,
      ...(modelsDir ? [modelsDir] : []),
      ...store.getLocalSettings().modelFolders,
    ],
    ...(modelsDir ? { managedDir: modelsDir } : {}),
    busy: (dir) => manager?.isBusy(dir) ?? false,
    runProblem: (dir) => options.engine.problemOf(dir),
    remote: (local) => remote.entries(local),
  });
  const hub = new HubConfig(
    store,
    options.downloads?.tokenStore ?? memoryTokenStore(),
    options.downloads?.hubEndpoint,
    options.downloads?.hubClient,
  );
  const ctx: Context = {
    store,
    engine: options.engine,
    events,
    models,
    families: new FamilyCache(),
    log: options.log ?? ((message, error) => console.error(`tessera: ${message}`, error ?? '')),
    sampling: options.sampling ?? {},
    hub,
    remote,
    downloads: null,
  };
  // Start-up: nothing is generating yet, so answers still 'streaming' were cut off by the last exit.
  store.markInterrupted();
  store.purgeDeleted();
  const stopStatus = options.engine.onStatus((status) => events.emit('engine.status', status));
  const stopUnusable = options.engine.onUnusable(() => events.emit('models.changed', {}));
  if (modelsDir) {
    manager = new DownloadManager({
      modelsDir,
      store,
      client: () => hub.client(),
      modelIdOf: modelId,
      ...(options.downloads?.freeBytes ? { freeBytes: options.downloads.freeBytes } : {}),
      onChange: (job) => events.emit('downloads.progress', job),
      onDone: () => {
        events.emit('models.changed', {});
        syncIfNoModel(ctx);
      },
      log: ctx.log,
    });
    ctx.downloads = { manager, modelsDir };
  }
  const chat = chatHandlers(ctx);
  const api = new ApiController(ctx, chat.queue, options.api);
  const handlers: Handlers = {
    ...threadHandlers(ctx, chat.queue),
    ...imageHandlers(ctx),
    ...videoHandlers(ctx),
    ...chat.handlers,
    'chat.send': sendClearingDraft(store, chat.handlers['chat.send']),
    ...draftHandlers(ctx),
    ...settingsHandlers(ctx),
    ...apiHandlers(api),
    ...downloadHandlers(ctx),
    ...remoteHandlers(ctx),
    ...browserCaptureHandlers(),
  };
  // Load the model now, so the first question does not wait for it.
  syncEngine(ctx);
  void api.sync(); // Failures (a port in use) are its status, shown in Settings.
  // The servers' lists may have changed since the last run; an unreachable one keeps its models, marked.
  if (remote.list().length > 0) {
    void remote.refreshAll().then(
      () => events.emit('models.changed', {}),
      (error: unknown) => ctx.log('refreshing the remote servers failed', error),
    );
  }

  let disposed: Promise<void> | null = null;
  return {
    handlers,
    events,
    api,
    dispose: () =>
      (disposed ??= (async () => {
        // Downloads stop where they are and resume at the next start (not marked failed).
        await manager?.dispose();
        await api.close(); // Its streams end; their generations stop with the queue below.
        await chat.queue.close();
        await options.engine.dispose();
        stopStatus();
        stopUnusable();
        store.purgeDeleted();
      })()),
  };
}
