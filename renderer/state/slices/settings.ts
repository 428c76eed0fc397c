import type { RequestInput, Settings } from '../../../app/ipc/contract.ts';
import { describeError } from '../../lib/errors.ts';
import type { SliceCreator } from '../store.ts';

export type SettingsPatch = RequestInput<'settings.update'>;

export interface SettingsSlice {
  settings: Settings | null;
  loadSettings(): Promise<void>;
  /** Applied at once (controls feel instant) and rolled back if the service refuses. */
  updateSettings(patch: SettingsPatch): Promise<boolean>;
}

export const createSettingsSlice: SliceCreator<SettingsSlice> =
  ({ api }) =>
  (set, get) => ({
    settings: null,
    async loadSettings() {
      const result = await api['settings.get']({});
      if (result.ok) set({ settings: result.value });
    },
    async updateSettings(patch) {
      const before = get().settings;
      if (before) set({ settings: mergeSettings(before, patch) });
      const result = await api['settings.update'](patch);
      if (!result.ok) {
        set({ settings: before });
        get().pushToast({
          message: `Could not save settings: ${describeError(result.error)}`,
          tone: 'error',
        });
        return false;
      }
      set({ settings: result.value });
      // Tile plans depend on the model: the attachments' plans must follow a model switch.
      if (patch.activeModelId !== undefined && patch.activeModelId !== before?.activeModelId) {
        void get().replanAttachments();
        void get().loadEngine();
      }
      return true;
    },
  });

function mergeSettings(settings: Settings, patch: SettingsPatch): Settings {
  return {
    activeModelId: patch.activeModelId === undefined ? settings.activeModelId : patch.activeModelId,
    device: patch.device ?? settings.device,
    theme: patch.theme ?? settings.theme,
    sampling: { ...settings.sampling, ...patch.sampling },
    systemPrompt: patch.systemPrompt ?? settings.systemPrompt,
    contextOverflow: patch.contextOverflow ?? settings.contextOverflow,
    presets: patch.presets ?? settings.presets,
    redactBeforeAttach: patch.redactBeforeAttach ?? settings.redactBeforeAttach,
  };
}
