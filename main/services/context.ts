/** What every group of handlers shares. */
import type { Sampling } from '../../app/chat.ts';
import type { ModelEntry, Thread } from '../../app/ipc/contract.ts';
import type { FamilyGeometry } from '../../models/families/family.ts';
import type { DownloadManager } from '../downloads/manager.ts';
import type { Store } from '../store/types.ts';
import type { Logger } from './dispatch.ts';
import type { HubConfig } from './hub-config.ts';
import type { EngineHost, EngineTarget } from './engine-host.ts';
import type { EventHub } from './events.ts';
import type { FamilyCache, ModelCatalog } from './models.ts';
import { TesseraError } from '../../app/errors.ts';
import type { RemoteServers } from '../remote/servers.ts';

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
  /** Remote OpenAI-compatible servers, whose models the catalog lists beside the local ones. */
  remote: RemoteServers;
  /** Model downloads and the folder they go to; null when the services run without one. */
  downloads: { manager: DownloadManager; modelsDir: string } | null;
}

/** The engine target for a thread (its own model, else the settings' one) or for the settings alone. */
export function targetFor(ctx: Context, thread?: Thread): EngineTarget {
  const settings = ctx.store.getSettings();
  const model = ctx.models.resolve(thread?.modelId ?? settings.activeModelId);
  if (model.remote) {
    // Callers that may meet a remote model ask `model.remote` first; the rest (the settings' engine) load none.
    throw new TesseraError(
      'BAD_REQUEST',
      `${model.name} runs on ${model.remote.serverName}, not in the local engine.`,
    );
  }
  return {
    modelId: model.id,
    dir: model.dir,
    device: settings.device,
    name: model.name,
    family: model.family,
  };
}

/**
 * The family geometry a model's images are planned with: a local model's folder; a remote model's family when
 * Tessera knows it (main/remote/servers.ts), else null: its tile plan and token cost are unknown.
 */
export function familyOf(ctx: Context, model: ModelEntry): FamilyGeometry | null {
  if (!model.remote) return ctx.families.get(model.dir);
  return ctx.remote.geometry(model.id, ctx.models.listLocal(), (dir) => ctx.families.get(dir));
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
