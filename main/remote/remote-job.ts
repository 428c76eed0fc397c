/**
 * A queued answer for a remote model: what the generation queue runs instead of the local engine. The
 * answer's stats name the server as well as the model, so the history says which server wrote it.
 */
import type { ChatMessage, Sampling } from '../../app/chat.ts';
import type { RemoteJob } from '../services/generation.ts';
import { remoteChat } from './remote-chat.ts';
import type { RemoteModel, RemoteServers } from './servers.ts';

export function remoteJob(
  servers: RemoteServers,
  remote: RemoteModel,
  messages: readonly ChatMessage[],
  sampling: Sampling,
): RemoteJob {
  const { entry, endpoint } = remote;
  const model = {
    id: entry.id,
    name: entry.name,
    family: entry.family,
    server: { name: endpoint.name, baseUrl: endpoint.baseUrl },
  };
  return {
    remote: async (signal, onText) => {
      const result = await remoteChat(
        { endpoint, model: remote.model, messages, sampling: withoutLocalOnly(sampling), signal, onText },
        {
          retry: servers.retry,
          firstByteMs: servers.firstByteMs,
          idleMs: servers.idleMs,
          ...(servers.maxBytes !== undefined ? { maxBytes: servers.maxBytes } : {}),
        },
      );
      const error = result.error ? { code: result.error.code, message: result.error.message } : null;
      return { stopped: result.finishReason === 'aborted', stats: { ...result.stats, model }, error };
    },
  };
}

/** Sampling that only Tessera's engine knows (benchmarks' ignoreEos) is not sent to a server. */
function withoutLocalOnly(sampling: Sampling): Sampling {
  const { ignoreEos: _ignored, ...rest } = sampling;
  return rest;
}
