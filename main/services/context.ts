/** What every group of handlers shares. */
import type { Sampling } from '../../app/chat.ts';
import type { Thread } from '../../app/ipc/contract.ts';
import type { DownloadManager } from '../downloads/manager.ts';
import type { Store } from '../store/types.ts';
import type { Logger } from './dispatch.ts';
import type { HubConfig } from './hub-config.ts';
import type { EngineHost, EngineTarget } from './engine-host.ts';
import type { EventHub } from './events.ts';
import type { FamilyCache, ModelCatalog } from './models.ts';

export interface Context {
  store: Store;
  engine: EngineHost;
  events: EventHub;
  models: ModelCatalog;
  families: FamilyCache;
  log: Logger;
  /** Added to every generation's sampling (tests and benchmarks: seed, ignoreEos). */
  sampling: Partial<Sampling>;
  /** The Hub endpoint and token in effect. */
  hub: HubConfig;
  /** Model downloads and the folder they go to; null when the services run without one. */
  downloads: { manager: DownloadManager; modelsDir: string } | null;
}

/** The engine target for a thread (its own model, else the settings' one) or for the settings alone. */
export function targetFor(ctx: Context, thread?: Thread): EngineTarget {
  const settings = ctx.store.getSettings();
  const model = ctx.models.resolve(thread?.modelId ?? settings.activeModelId);
  return {
    modelId: model.id,
    dir: model.dir,
    device: settings.device,
    name: model.name,
    family: model.family,
  };
}

/** Keeps the engine's model in step with the settings; failures show in the engine status. */
export function syncEngine(ctx: Context): void {
  let target: EngineTarget | null;
  try {
    target = targetFor(ctx);
  } catch {
    target = null; // No model to load: stop the engine rather than keep a stale one.
  }
  ctx.engine.setTarget(target).catch((error: unknown) => ctx.log('loading the model failed', error));
}

/**
 * After models appear (a download finished, a folder was added): with no model chosen and none loaded, load
 * the first one found, so a first run ends with a model ready. A model already in use is left alone.
 */
export function syncIfNoModel(ctx: Context): void {
  if (ctx.store.getSettings().activeModelId === null && ctx.engine.target === null) syncEngine(ctx);
}
