/**
 * remote.*: servers added by address. An address with "unreachable" in it fails as a server that is down;
 * any other lists one model, `remote-vlm`, which joins the models list with its server's name.
 */
import type { ModelEntry } from '../../../app/ipc/contract.ts';
import type { RemoteServerView } from '../../../app/remote.ts';
import { remoteModelId } from '../../../app/remote.ts';
import { type FakeState, type HandlersOf, err, ok } from './state.ts';

type RemoteRequests =
  'remote.list' | 'remote.add' | 'remote.remove' | 'remote.refresh' | 'remote.setFamilySource';

export function remoteHandlers(state: FakeState): HandlersOf<RemoteRequests> {
  const servers: RemoteServerView[] = [];
  const changed = () => state.emit('models.changed', {});
  return {
    'remote.list': () => ok(structuredClone(servers)),
    'remote.add': ({ baseUrl, apiKey, name }) => {
      let url: URL;
      try {
        url = new URL(baseUrl);
      } catch {
        return err(
          'BAD_REQUEST',
          `"${baseUrl}" is not an address; give the server's API root (e.g. http://gpu-box:8000/v1).`,
        );
      }
      if (baseUrl.includes('unreachable')) {
        return err(
          'REMOTE_UNREACHABLE',
          `Could not connect to ${url.host} (${baseUrl}): connection refused.`,
        );
      }
      const server: RemoteServerView = {
        id: `${servers.length + 1}`.padStart(8, '0'),
        name: name || url.host,
        baseUrl: baseUrl.replace(/\/+$/, ''),
        hasKey: Boolean(apiKey),
        models: ['remote-vlm'],
        checkedAt: state.tick(),
        problem: null,
      };
      servers.push(server);
      state.models.push(remoteEntry(server, 'remote-vlm'));
      changed();
      return ok(structuredClone(server));
    },
    'remote.remove': ({ id }) => {
      const index = servers.findIndex((s) => s.id === id);
      if (index < 0) return err('NOT_FOUND', 'That remote server is not in the list.');
      servers.splice(index, 1);
      for (let i = state.models.length - 1; i >= 0; i--) {
        if (state.models[i]?.remote?.serverId === id) state.models.splice(i, 1);
      }
      changed();
      return ok({ id });
    },
    'remote.refresh': () => ok(structuredClone(servers)),
    // Any repo with "smolvlm" in its name describes a SmolVLM; others have no family Tessera knows.
    'remote.setFamilySource': ({ modelId, repo }) => {
      const entry = state.models.find((m) => m.id === modelId);
      if (!entry?.remote) return err('NOT_FOUND', 'That remote model is no longer listed.');
      if (repo !== null && !/smolvlm/i.test(repo)) {
        return err('MODEL_UNSUPPORTED', `${repo}'s config.json names no family Tessera can plan images for.`);
      }
      entry.family = repo === null ? 'unknown' : 'smolvlm';
      entry.remote = { ...entry.remote, planKnown: repo !== null, familyRepo: repo };
      changed();
      return ok(structuredClone(entry));
    },
  };
}

function remoteEntry(server: RemoteServerView, model: string): ModelEntry {
  return {
    id: remoteModelId(server.id, model),
    name: model,
    dir: '',
    family: 'unknown',
    contextLength: 0,
    source: null,
    bytes: 0,
    removable: false,
    remote: {
      serverId: server.id,
      serverName: server.name,
      baseUrl: server.baseUrl,
      model,
      planKnown: false,
      familyRepo: null,
    },
  };
}
