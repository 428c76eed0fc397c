/**
 * The sandboxed preload: `window.tessera` with one request function and event subscription (the
 * TesseraBridge of app/ipc/bridge.ts). No ipcRenderer or Electron object crosses the bridge, and
 * listeners get only the payload, never the IPC event (which would expose `sender`).
 */
import { contextBridge, ipcRenderer } from 'electron';
import type { IpcRendererEvent } from 'electron';
import { IPC_EVENT_CHANNEL, IPC_REQUEST_CHANNEL } from '../../app/ipc/bridge.ts';

contextBridge.exposeInMainWorld('tessera', {
  request: (name: string, input: unknown): Promise<unknown> =>
    ipcRenderer.invoke(IPC_REQUEST_CHANNEL, String(name), input),
  on: (event: string, listener: (payload: unknown) => void): (() => void) => {
    const wanted = String(event);
    const forward = (_event: IpcRendererEvent, name: unknown, payload: unknown) => {
      if (name === wanted) listener(payload);
    };
    ipcRenderer.on(IPC_EVENT_CHANNEL, forward);
    return () => void ipcRenderer.removeListener(IPC_EVENT_CHANNEL, forward);
  },
});
