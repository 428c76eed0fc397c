/**
 * Getting models: catalog.get, downloads.* (the DownloadManager's queue), hub.configure, and the model
 * requests that touch the disk or the Hub: models.inspect, models.addFolder, models.delete.
 */
import { stat, rm } from 'node:fs/promises';
import { freemem, totalmem } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { CATALOG, catalogEntry } from '../../app/catalog.ts';
import { TesseraError, hasCode } from '../../app/errors.ts';
import type { Handlers, Inspection } from '../../app/ipc/contract.ts';
import { freeDiskBytes } from '../downloads/download-model.ts';
import { inspectSource } from '../downloads/inspect.ts';
import type { DownloadManager } from '../downloads/manager.ts';
import type { Context } from './context.ts';
import { syncEngine, syncIfNoModel } from './context.ts';

type DownloadHandlers = Pick<
  Handlers,
  | 'catalog.get'
  | 'downloads.list'
  | 'downloads.start'
  | 'downloads.pause'
  | 'downloads.resume'
  | 'downloads.cancel'
  | 'downloads.clear'
  | 'hub.configure'
  | 'models.inspect'
  | 'models.addFolder'
  | 'models.delete'
>;

export function downloadHandlers(ctx: Context): DownloadHandlers {
  const { store } = ctx;
  const setup = () => {
    if (!ctx.downloads) {
      throw new TesseraError(
        'BAD_REQUEST',
        'Model downloads are not set up in this Tessera (no models folder was given). Add a model folder instead.',
      );
    }
    return ctx.downloads;
  };
  const manager = (): DownloadManager => setup().manager;

  return {
    'catalog.get': async () => {
      const { modelsDir } = setup();
      return {
        entries: [...CATALOG],
        memory: { totalBytes: totalmem(), availableBytes: freemem() },
        modelsDir,
        freeDiskBytes: await freeDiskBytes(modelsDir).catch(() => null),
        hub: ctx.hub.settings(),
      };
    },
    'downloads.list': async () => (ctx.downloads ? ctx.downloads.manager.list() : []),
    'downloads.start': async ({ repo, revision, variant }) => {
      const entry = catalogEntry(repo);
      if (entry && !entry.supported) {
        throw new TesseraError(
          'MODEL_UNSUPPORTED',
          entry.unsupportedReason ?? `Tessera cannot run ${repo} yet.`,
        );
      }
      return manager().start({
        repo,
        ...(revision !== undefined ? { revision } : {}),
        ...(variant !== undefined ? { variant } : {}),
      });
    },
    'downloads.pause': async ({ id }) => manager().pause(id),
    'downloads.resume': async ({ id }) => manager().resume(id),
    'downloads.cancel': async ({ id }) => manager().cancel(id),
    'downloads.clear': async () => manager().clear(),
    'hub.configure': async ({ endpoint, token }) => {
      if (endpoint !== undefined) store.updateLocalSettings({ hubEndpoint: endpoint });
      if (token !== undefined) ctx.hub.setToken(token);
      return ctx.hub.settings();
    },
    'models.inspect': async ({ source }) => inspect(ctx, source),
    'models.addFolder': async ({ dir: given }) => {
      if (!isAbsolute(given)) {
        throw new TesseraError(
          'BAD_REQUEST',
          `"${given}" is not an absolute path; give the model folder's full path.`,
        );
      }
      const dir = resolve(given);
      if (!(await stat(dir).catch(() => undefined))?.isDirectory()) {
        throw new TesseraError('NOT_FOUND', `There is no folder at ${dir}. Check the path and try again.`);
      }
      const inspection = await inspect(ctx, dir);
      const entry = inspection.runnable ? ctx.models.read(dir) : null;
      if (!entry) {
        const why = inspection.problems.join(' ') || 'it is not a model folder Tessera can read.';
        throw new TesseraError('MODEL_UNSUPPORTED', `Tessera cannot run the model in ${dir}: ${why}`);
      }
      const { modelFolders } = store.getLocalSettings();
      if (!modelFolders.includes(dir)) store.updateLocalSettings({ modelFolders: [...modelFolders, dir] });
      ctx.events.emit('models.changed', {});
      syncIfNoModel(ctx);
      return entry;
    },
    'models.delete': async ({ id }) => {
      const model = ctx.models.get(id);
      if (!model.removable) {
        throw new TesseraError(
          'BAD_REQUEST',
          `${model.name} is a folder you added, not a model Tessera downloaded, so Tessera leaves it alone. ` +
            `Delete ${model.dir} yourself if you no longer need it.`,
        );
      }
      if (ctx.downloads?.manager.isBusy(model.dir)) {
        throw new TesseraError('BUSY', `A download into ${model.dir} is not finished; cancel it first.`);
      }
      if (store.getSettings().activeModelId === id) store.updateSettings({ activeModelId: null });
      // Unload first: a loaded model's files are open (and cannot be deleted on Windows).
      if (ctx.engine.target?.modelId === id) await ctx.engine.setTarget(null).catch(() => undefined);
      try {
        await rm(model.dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
      } catch (error) {
        throw new TesseraError(
          'INTERNAL',
          `Could not delete ${model.dir}: ${(error as Error).message}. Close programs using it and try again.`,
          { cause: error },
        );
      } finally {
        ctx.families.forget(model.dir);
        ctx.events.emit('models.changed', {});
        syncEngine(ctx); // With none chosen, the next model found takes over.
      }
      return { id };
    },
  };
}

async function inspect(ctx: Context, source: string): Promise<Inspection> {
  try {
    return await inspectSource(source, { client: ctx.hub.client() });
  } catch (error) {
    // Not a translation: the message gains the source. A repo's layout is judged into `problems`, never
    // thrown, so anything else is a source that cannot be inspected.
    const message = (error as Error).message;
    if (hasCode(error, 'HUB_ERROR')) {
      throw new TesseraError('HUB_ERROR', `Could not look at ${source} on the Hub: ${message}`, {
        cause: error,
      });
    }
    throw new TesseraError('BAD_REQUEST', `Could not inspect ${source}: ${message}`, { cause: error });
  }
}
