/**
 * remote.*: the remote OpenAI-compatible servers the user adds in Settings (main/remote/servers.ts). Each
 * change pushes `models.changed`, so the model picker lists the servers' models at once.
 */
import type { Handlers } from '../../app/ipc/contract.ts';
import type { Context } from './context.ts';
import { fetchFamilyJson } from '../remote/hub-family.ts';

type RemoteHandlers = Pick<
  Handlers,
  'remote.list' | 'remote.add' | 'remote.remove' | 'remote.refresh' | 'remote.setFamilySource'
>;

export function remoteHandlers(ctx: Context): RemoteHandlers {
  const { remote, events } = ctx;
  const changed = () => events.emit('models.changed', {});
  return {
    'remote.list': async () => remote.list(),
    'remote.add': async (input) => {
      const server = await remote.add(input);
      changed();
      return server;
    },
    'remote.remove': async ({ id }) => {
      remote.remove(id);
      changed();
      return { id };
    },
    'remote.setFamilySource': async ({ modelId, repo }) => {
      const fetchJson = (source: string) => fetchFamilyJson(source, ctx.hub.client());
      const entry = await remote.setFamilySource(modelId, repo, fetchJson, ctx.models.listLocal());
      changed();
      return entry;
    },
    'remote.refresh': async ({ id }) => {
      if (id !== undefined) await remote.refresh(id);
      else await remote.refreshAll();
      changed();
      return remote.list();
    },
  };
}
