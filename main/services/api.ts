/** api.*: the local OpenAI-compatible server's settings, key and state (main/api/controller.ts runs it). */
import type { Handlers } from '../../app/ipc/contract.ts';
import type { ApiController } from '../api/controller.ts';

type ApiHandlers = Pick<Handlers, 'api.status' | 'api.configure' | 'api.regenerateKey'>;

export function apiHandlers(api: ApiController): ApiHandlers {
  return {
    'api.status': async () => api.status(),
    'api.configure': async (changes) => api.configure(changes),
    'api.regenerateKey': async () => api.regenerateKey(),
  };
}
