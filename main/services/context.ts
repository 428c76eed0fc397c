/** What every group of handlers shares. */
import type { Sampling } from '../../app/chat.ts';
import type { Thread } from '../../app/ipc/contract.ts';
import type { Store } from '../store/types.ts';
import type { Logger } from './dispatch.ts';
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
}

/** The engine target for a thread (its own model, else the settings' one) or for the settings alone. */
export function targetFor(ctx: Context, thread?: Thread): EngineTarget {
  const settings = ctx.store.getSettings();
  const model = ctx.models.resolve(thread?.modelId ?? settings.activeModelId);
  return { modelId: model.id, dir: model.dir, device: settings.device };
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
