/** api.*: the local API server's settings and state, kept in memory (nothing listens). */
import type { ApiServerStatus } from '../../../app/ipc/contract.ts';
import { DEFAULT_API_PORT } from '../../../app/ipc/contract.ts';
import { type FakeState, type HandlersOf, ok } from './state.ts';

export function apiHandlers(
  state: FakeState,
): HandlersOf<'api.status' | 'api.configure' | 'api.regenerateKey'> {
  let keys = 0;
  const status: ApiServerStatus = {
    settings: {
      enabled: false,
      port: DEFAULT_API_PORT,
      allowNetwork: false,
      corsOrigin: '',
      fetchImageUrls: false,
    },
    state: 'off',
    url: null,
    networkUrls: [],
    key: 'tsk-fake-key-0',
    keySource: 'stored',
    error: null,
    running: 0,
    waiting: 0,
  };
  const changed = () => {
    const host = status.settings.allowNetwork ? '0.0.0.0' : '127.0.0.1';
    status.state = status.settings.enabled ? 'listening' : 'off';
    status.url = status.settings.enabled
      ? `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${status.settings.port}/v1`
      : null;
    const copy = structuredClone(status);
    state.emit('api.status', copy);
    return ok(copy);
  };
  return {
    'api.status': () => ok(structuredClone(status)),
    'api.configure': (changes) => {
      status.settings = { ...status.settings, ...changes };
      return changed();
    },
    'api.regenerateKey': () => {
      status.key = `tsk-fake-key-${++keys}`;
      return changed();
    },
  };
}
