/** App settings: defaults, overridden key by key by what is stored. */
import { z } from 'zod';
import { apiServerSettingsSchema } from '../../app/ipc/contract.ts';
import type { Settings } from '../../app/ipc/contract.ts';
import { remoteServerRecordSchema } from '../../app/remote.ts';
import type { LocalSettings, SettingsChanges } from './types.ts';

export const DEFAULT_SETTINGS: Readonly<Settings> = Object.freeze({
  activeModelId: null,
  device: 'auto',
  theme: 'system',
  sampling: Object.freeze({ temperature: 0, maxTokens: 512, topP: 1 }),
  systemPrompt: '',
  contextOverflow: 'stop',
  presets: Object.freeze([]) as unknown as Settings['presets'],
  redactBeforeAttach: false,
});

const KEYS = Object.keys(DEFAULT_SETTINGS) as (keyof Settings)[];

/** Settings from stored top-level keys; unknown keys (from a newer or older version) are ignored. */
export function settingsFrom(stored: Map<string, unknown>): Settings {
  return mergeSettings(
    DEFAULT_SETTINGS,
    Object.fromEntries(KEYS.filter((key) => stored.has(key)).map((key) => [key, stored.get(key)])),
  );
}

/** `changes` over `base`: undefined means unchanged; sampling merges field by field. */
export function mergeSettings(base: Readonly<Settings>, changes: SettingsChanges): Settings {
  const merged: Settings = { ...base, sampling: { ...base.sampling } };
  for (const key of KEYS) {
    const value = changes[key];
    if (value === undefined) continue;
    if (key === 'sampling') Object.assign(merged.sampling, defined(value as Partial<Settings['sampling']>));
    else (merged as unknown as Record<string, unknown>)[key] = value;
  }
  return merged;
}

function defined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Keys of the local settings in the settings table: dotted, so they never clash with Settings' keys. */
export const LOCAL_KEYS: Readonly<Record<keyof LocalSettings, string>> = Object.freeze({
  hubEndpoint: 'hub.endpoint',
  modelFolders: 'models.folders',
  apiServer: 'api.server',
  remoteServers: 'remote.servers',
});

const storedApiServerSchema = apiServerSettingsSchema.extend({ key: z.string().min(1).max(200).nullable() });

/** The API server's stored settings, or nothing where they are missing or unreadable (defaults apply). */
function apiServerFrom(value: unknown): Pick<LocalSettings, 'apiServer'> {
  const parsed = storedApiServerSchema.safeParse(value);
  return parsed.success ? { apiServer: parsed.data } : {};
}

/** Local settings from stored keys; a value of the wrong type (hand-edited database) counts as unset. */
export function localSettingsFrom(stored: Map<string, unknown>): LocalSettings {
  const endpoint = stored.get(LOCAL_KEYS.hubEndpoint);
  const folders = stored.get(LOCAL_KEYS.modelFolders);
  return {
    hubEndpoint: typeof endpoint === 'string' && endpoint !== '' ? endpoint : null,
    modelFolders: Array.isArray(folders) ? folders.filter((f): f is string => typeof f === 'string') : [],
    ...apiServerFrom(stored.get(LOCAL_KEYS.apiServer)),
    remoteServers: remoteServersFrom(stored.get(LOCAL_KEYS.remoteServers)),
  };
}

/** The stored servers; one that does not read as a server (hand-edited, from another version) is left out. */
function remoteServersFrom(value: unknown): LocalSettings['remoteServers'] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((item) => {
    const parsed = remoteServerRecordSchema.safeParse(item);
    return parsed.success ? [parsed.data] : [];
  });
}
