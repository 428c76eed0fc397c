/** models.*, catalog.get and engine.status: installed models, the catalog and what a source holds. */
import { CATALOG } from '../../../app/catalog.ts';
import type { CatalogView, Inspection, ModelEntry, Result } from '../../../app/ipc/contract.ts';
import { FAKE_CATALOG, FAKE_MODELS_DIR, catalogEntry } from './data.ts';
import { type FakeState, type HandlersOf, err, ok } from './state.ts';

type ModelRequests =
  'models.list' | 'models.delete' | 'models.inspect' | 'models.addFolder' | 'catalog.get' | 'engine.status';

function catalogView(state: FakeState): CatalogView {
  const { downloads, options, memory, hub } = state;
  const used = [...downloads.values()].reduce((sum, j) => sum + j.bytes, 0);
  const free = options.freeDiskBytes === undefined ? 120 * 1024 ** 3 : options.freeDiskBytes;
  return {
    entries: structuredClone([...FAKE_CATALOG]),
    memory,
    modelsDir: FAKE_MODELS_DIR,
    freeDiskBytes: free === null ? null : Math.max(0, free - used),
    hub: { ...hub },
  };
}

/**
 * A path starting with `/`, `~`, `./` or a drive is a folder (runnable if its name contains "smolvlm");
 * catalog repos inspect as the catalog says; other repos are "not found".
 */
function inspectSource(source: string): Result<Inspection> {
  const folder = /^(\/|~|[A-Za-z]:[\\/]|\.{1,2}\/)/.test(source);
  if (folder) {
    const runnable = /smolvlm/i.test(source);
    return ok({
      source,
      kind: 'folder',
      runnable,
      modelType: runnable ? 'idefics3' : null,
      family: runnable ? 'smolvlm' : null,
      variants: runnable
        ? [
            {
              id: 'q4',
              files: Object.values(CATALOG[0]?.variants[0]?.files ?? {}),
              bytes: 160_000_000,
              complete: true,
            },
          ]
        : [],
      problems: runnable ? [] : [`No config.json in ${source}: this is not a model folder.`],
    });
  }
  const [repo = source] = source.split('@');
  if (!/^[\w.-]+\/[\w.-]+$/.test(repo))
    return err('BAD_REQUEST', `“${source}” is neither a Hub repo id (OWNER/NAME) nor a folder path.`);
  const entry = catalogEntry(repo);
  if (!entry)
    return ok({
      source,
      kind: 'repo',
      runnable: false,
      modelType: null,
      family: null,
      variants: [],
      problems: [
        `${repo} was not found on the Hub (404). Check the repo id; a gated or private repo needs an access token.`,
      ],
    });
  return ok({
    source,
    kind: 'repo',
    runnable: entry.supported,
    modelType: entry.modelType,
    family: entry.family,
    variants: entry.variants.map((v) => ({
      id: v.id,
      files: Object.values(v.files),
      bytes: v.downloadBytes,
      complete: true,
    })),
    problems: entry.supported ? [] : [entry.unsupportedReason ?? 'This family is not supported yet.'],
  });
}

export function modelHandlers(state: FakeState): HandlersOf<ModelRequests> {
  const { models, settings } = state;
  return {
    'models.list': () => ok(models),
    'models.delete': ({ id: modelId }) => {
      const at = models.findIndex((m) => m.id === modelId);
      const model = models[at];
      if (!model) return err('NOT_FOUND', 'No such model.');
      if (!model.removable)
        return err('BAD_REQUEST', 'Tessera did not download this model; remove its folder yourself.');
      models.splice(at, 1);
      if (settings.activeModelId === modelId) settings.activeModelId = models[0]?.id ?? null;
      if (models.length === 0) state.setEngine({ state: 'stopped', modelId: null });
      state.emit('models.changed', {});
      return ok({ id: modelId });
    },
    'models.inspect': ({ source }) => inspectSource(source.trim()),
    'models.addFolder': ({ dir }) => {
      const inspection = inspectSource(dir);
      if (!inspection.ok) return inspection;
      if (!inspection.value.runnable)
        return err('MODEL_UNSUPPORTED', inspection.value.problems.join(' ') || 'Not a model folder.');
      const name = dir.split(/[\\/]/).filter(Boolean).pop() ?? dir;
      const model: ModelEntry = {
        id: `folder-${name.toLowerCase()}`,
        name,
        dir,
        family: inspection.value.family ?? 'smolvlm',
        contextLength: 8192,
        source: null,
        bytes: inspection.value.variants[0]?.bytes ?? 0,
        removable: false,
      };
      if (!models.some((m) => m.id === model.id)) models.push(model);
      state.emit('models.changed', {});
      return ok(model);
    },
    'catalog.get': () => ok(catalogView(state)),
    'engine.status': () => ok(state.engine),
  };
}
