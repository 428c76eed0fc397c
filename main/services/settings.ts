/** settings.*, models.list and engine.status. Choosing another model or device reloads the engine. */
import type { Handlers } from '../../app/ipc/contract.ts';
import type { SettingsChanges } from '../store/types.ts';
import type { Context } from './context.ts';
import { syncEngine } from './context.ts';

type SettingsHandlers = Pick<Handlers, 'settings.get' | 'settings.update' | 'models.list' | 'engine.status'>;

export function settingsHandlers(ctx: Context): SettingsHandlers {
  const { store } = ctx;
  return {
    'settings.get': async () => store.getSettings(),
    'settings.update': async ({
      activeModelId,
      device,
      theme,
      sampling,
      systemPrompt,
      contextOverflow,
      presets,
      redactBeforeAttach,
    }) => {
      const before = store.getSettings();
      if (activeModelId) ctx.models.get(activeModelId); // NOT_FOUND for an id that is not in the folders
      const changes: SettingsChanges = {};
      if (activeModelId !== undefined) changes.activeModelId = activeModelId;
      if (device !== undefined) changes.device = device;
      if (theme !== undefined) changes.theme = theme;
      if (systemPrompt !== undefined) changes.systemPrompt = systemPrompt;
      if (contextOverflow !== undefined) changes.contextOverflow = contextOverflow;
      if (presets !== undefined) changes.presets = presets;
      if (redactBeforeAttach !== undefined) changes.redactBeforeAttach = redactBeforeAttach;
      if (sampling !== undefined) changes.sampling = sampling; // The store merges field by field.
      const after = store.updateSettings(changes);
      if (after.activeModelId !== before.activeModelId || after.device !== before.device) syncEngine(ctx);
      return after;
    },
    'models.list': async () => ctx.models.list(),
    'engine.status': async () => ctx.engine.status,
  };
}
