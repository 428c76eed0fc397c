import type { TesseraBridge } from '../../app/ipc/bridge.ts';
import type { Result } from '../../app/ipc/contract.ts';
import type { Transport } from './transport.ts';

/** The Electron preload's `window.tessera`. Structured clone carries bytes, so no wire codec is needed. */
export function createPreloadTransport(bridge: TesseraBridge): Transport {
  const loose = bridge as unknown as {
    request(name: string, input: unknown): Promise<Result<unknown>>;
    on(event: string, listener: (payload: unknown) => void): () => void;
  };
  return {
    request: (name, input) => loose.request(name, input),
    on: (event, listener) => loose.on(event, listener),
  };
}
