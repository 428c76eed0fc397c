/**
 * What the Electron preload exposes as `window.tessera`: one request function and event subscription,
 * nothing else (no ipcRenderer, no Electron objects). Listeners receive only the payload.
 */
import type { EventName, Events, RequestInput, RequestName, RequestOutput, Result } from './contract.ts';

export const IPC_REQUEST_CHANNEL = 'tessera:request';
export const IPC_EVENT_CHANNEL = 'tessera:event';

export interface TesseraBridge {
  request<K extends RequestName>(name: K, input: RequestInput<K>): Promise<Result<RequestOutput<K>>>;
  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void;
}
