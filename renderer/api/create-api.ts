import { REQUEST_NAMES } from '../../app/ipc/contract.ts';
import type { Api, EventName, Events } from '../../app/ipc/contract.ts';
import type { Transport } from './transport.ts';

/**
 * The typed API of the contract over any transport. A transport that throws (a bug, a closed IPC channel)
 * still yields a Result, so callers only ever handle `{ ok: false }`.
 */
export function createApi(transport: Transport): Api {
  const api: Record<string, unknown> = {
    on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void {
      return transport.on(event, listener as (payload: unknown) => void);
    },
  };
  for (const name of REQUEST_NAMES) {
    api[name] = async (input: unknown) => {
      try {
        return await transport.request(name, input);
      } catch (error) {
        return { ok: false, error: { code: 'INTERNAL', message: errorMessage(error) } };
      }
    };
  }
  return api as Api;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
