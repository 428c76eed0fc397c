/**
 * A transport carries contract requests and events between the renderer and the app's services. The UI
 * never sees which one runs: Electron's preload bridge, or the WebSocket of `tessera serve`.
 */
import type { Result } from '../../app/ipc/contract.ts';

export type ConnectionStatus = 'connecting' | 'open' | 'closed';

export interface ConnectionState {
  status: ConnectionStatus;
  /** Reconnection attempts since the connection was last open. */
  attempt: number;
  /** When the next attempt starts (ms since epoch), while closed. */
  retryAt: number | null;
  /** Why there is no connection at all (e.g. no access token in the address); no retry happens. */
  fatal: string | null;
}

export interface Connection {
  get(): ConnectionState;
  subscribe(listener: (state: ConnectionState) => void): () => void;
  /** Skips the backoff wait. */
  retryNow(): void;
}

export interface Transport {
  request(name: string, input: unknown): Promise<Result<unknown>>;
  on(event: string, listener: (payload: unknown) => void): () => void;
  /** Present where the link can drop (WebSocket); the preload bridge is always connected. */
  connection?: Connection;
}
