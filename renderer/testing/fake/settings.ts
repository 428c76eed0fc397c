/** settings.* and hub.configure. */
import { DEFAULT_ENDPOINT } from './data.ts';
import { type FakeState, type HandlersOf, err, ok } from './state.ts';

export function settingsHandlers(
  state: FakeState,
): HandlersOf<'settings.get' | 'settings.update' | 'hub.configure'> {
  const { settings, hub } = state;
  return {
    'hub.configure': ({ endpoint, token }) => {
      if (endpoint !== undefined) {
        hub.endpoint = endpoint ?? DEFAULT_ENDPOINT;
        hub.endpointSource = endpoint === null ? 'default' : 'setting';
      }
      if (token !== undefined) hub.hasToken = token !== null;
      return ok({ ...hub });
    },
    'settings.get': () => ok(settings),
    'settings.update': (patch) => {
      if (patch.activeModelId && !state.models.some((m) => m.id === patch.activeModelId))
        return err('NOT_FOUND', 'No such model.');
      if (patch.activeModelId !== undefined) settings.activeModelId = patch.activeModelId;
      if (patch.device) settings.device = patch.device;
      if (patch.theme) settings.theme = patch.theme;
      if (patch.systemPrompt !== undefined) settings.systemPrompt = patch.systemPrompt;
      if (patch.contextOverflow !== undefined) settings.contextOverflow = patch.contextOverflow;
      if (patch.presets !== undefined) settings.presets = patch.presets;
      if (patch.redactBeforeAttach !== undefined) settings.redactBeforeAttach = patch.redactBeforeAttach;
      if (patch.sampling) settings.sampling = { ...settings.sampling, ...patch.sampling };
      return ok({ ...settings, sampling: { ...settings.sampling } });
    },
  };
}
