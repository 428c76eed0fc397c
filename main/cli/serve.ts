/**
 * `tessera serve`: the whole app without Electron. Opens the store, starts the services (engine in a
 * child process) and the HTTP + WebSocket server, prints the address with its access token on stdout,
 * and runs until SIGINT or SIGTERM, then shuts down in order: server, answers, engine, database. With
 * `--api` the OpenAI-compatible API runs beside it (main/api/), its address on stdout and key on stderr.
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from '../serve/server.ts';
import { EngineHost } from '../services/engine-host.ts';
import { forkEngineProcess } from '../../models/engine/fork.ts';
import { memoryTokenStore } from '../services/hub-config.ts';
import { createServices } from '../services/index.ts';
import { openStore } from '../store/store.ts';
import { announceApi, portOption } from './announce-api.ts';
import { UsageError, parse } from './args.ts';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Where the app keeps its data when --data-dir is not given, per the OS's conventions. */
export function defaultDataDir(platform = process.platform, env = process.env, home = homedir()): string {
  if (platform === 'win32') return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'Tessera');
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'Tessera');
  return join(env.XDG_DATA_HOME || join(home, '.local', 'share'), 'tessera');
}

export async function serveCommand(args: string[]): Promise<void> {
  const { values, positionals } = parse(args, {
    port: { type: 'string' },
    host: { type: 'string' },
    'model-dir': { type: 'string', multiple: true },
    'data-dir': { type: 'string' },
    'hub-endpoint': { type: 'string' },
    'renderer-dir': { type: 'string' },
    api: { type: 'boolean' },
    'api-port': { type: 'string' },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}".`);
  const port = portOption(values.port, 'port') ?? 0;
  const apiPort = portOption(values['api-port'], 'api-port');
  if (apiPort !== undefined && !values.api) throw new UsageError('--api-port goes with --api.');
  const dataDir = resolve(values['data-dir'] ?? defaultDataDir());
  // Downloads go to <data-dir>/models, which is always scanned too, beside any --model-dir.
  const modelsDir = join(dataDir, 'models');
  const modelDirs = (values['model-dir'] ?? []).map((dir) => resolve(dir));
  const hubEndpoint = values['hub-endpoint'];
  if (hubEndpoint !== undefined && !/^https?:\/\/./.test(hubEndpoint)) {
    throw new UsageError(`--hub-endpoint must be an http(s) URL, got "${hubEndpoint}".`);
  }
  const staticDir = resolve(values['renderer-dir'] ?? join(REPO_ROOT, 'dist', 'renderer'));
  if (!existsSync(join(staticDir, 'index.html'))) {
    throw new Error(
      `The renderer is not built (no ${join(staticDir, 'index.html')}). Run "npm run build:renderer" first.`,
    );
  }

  const store = openStore(dataDir);
  const engine = new EngineHost({ spawn: () => forkEngineProcess() });
  const services = createServices({
    store,
    modelDirs,
    engine,
    downloads: {
      modelsDir,
      ...(hubEndpoint !== undefined ? { hubEndpoint } : {}),
      // No keychain here: the token lives in memory, from HF_TOKEN or the Models page.
      tokenStore: memoryTokenStore(process.env.HF_TOKEN || null),
    },
    // --api turns the OpenAI-compatible API on for this run; without it the stored setting decides.
    api: {
      ...(values.api ? { enabled: true } : {}),
      ...(apiPort !== undefined ? { port: apiPort } : {}),
      ...(process.env.TESSERA_API_KEY ? { key: process.env.TESSERA_API_KEY } : {}),
    },
  });
  const shutdown = async () => {
    await services.dispose();
    store.close();
  };
  let server;
  try {
    server = await startServer({
      services,
      staticDir,
      port,
      host: values.host ?? '127.0.0.1',
      // An explicit --host is the user's choice to listen beyond this machine.
      allowNonLoopback: values.host !== undefined,
    });
  } catch (error) {
    await shutdown();
    throw error;
  }

  console.log(`Tessera is running at ${server.url}`);
  try {
    if (values.api || services.api.settings().enabled) await announceApi(services);
  } catch (error) {
    if (values.api) {
      await server.close();
      await shutdown();
      throw error;
    }
    console.error(error instanceof Error ? error.message : String(error)); // The app runs on without it.
  }
  if (values.host !== undefined) {
    console.error(
      `Listening on ${values.host}: anyone who can reach it and has the token can use Tessera (plain HTTP).`,
    );
  }
  if ((await services.handlers['models.list']({})).length === 0) {
    console.error(
      `No model found in ${[...modelDirs, modelsDir].join(', ')}. Download one from the Models page, ` +
        'or add a model folder with --model-dir DIR.',
    );
  }

  const signal = await untilSignal();
  console.error(`Received ${signal}; shutting down.`);
  await server.close();
  await shutdown();
}

/** Resolves on the first SIGINT or SIGTERM; a second one quits at once. */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      process.once('SIGINT', () => process.exit(130));
      process.once('SIGTERM', () => process.exit(143));
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
