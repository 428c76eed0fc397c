import { defaultModel } from '../../../app/default-model.ts';
import type { EngineStatus, ModelEntry } from '../../../app/ipc/contract.ts';
import type { SliceCreator } from '../store.ts';

export interface ModelsSlice {
  /** null until loaded. */
  models: ModelEntry[] | null;
  engine: EngineStatus | null;
  loadModels(): Promise<void>;
  loadEngine(): Promise<void>;
  setEngine(status: EngineStatus): void;
}

export const createModelsSlice: SliceCreator<ModelsSlice> = ({ api }) => {
  let listSeq = 0;
  return (set) => ({
    models: null,
    engine: null,
    async loadModels() {
      // models.changed can come in bursts: only the newest answer counts.
      const seq = ++listSeq;
      const result = await api['models.list']({});
      if (result.ok && seq === listSeq) set({ models: result.value });
    },
    async loadEngine() {
      const result = await api['engine.status']({});
      if (result.ok) set({ engine: result.value });
    },
    setEngine(engine) {
      set({ engine });
    },
  });
};

/** The model a thread's answers come from: its own override, else the active model. */
export function effectiveModel(
  models: readonly ModelEntry[] | null,
  activeModelId: string | null | undefined,
  threadModelId: string | null | undefined,
): ModelEntry | null {
  const id = threadModelId ?? activeModelId;
  // With nothing chosen the services use the default model (the same rule, shared through app/).
  if (id == null) return models ? defaultModel(models) : null;
  return models?.find((model) => model.id === id) ?? null;
}
