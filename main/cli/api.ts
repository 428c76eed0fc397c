/**
 * `tessera api`: the OpenAI-compatible API alone, without the web UI: the store, the services (engine in a
 * child process) and the API server. Prints the address on stdout and the key on stderr, and runs until
 * SIGINT or SIGTERM. The key is TESSERA_API_KEY when set, else the one stored in the data folder (the
 * desktop app's Settings show the same one for the same data folder).
 */
import { join, resolve } from 'node:path';
import { forkEngineProcess } from '../../models/engine/fork.ts';
import { EngineHost } from '../services/engine-host.ts';
import { memoryTokenStore } from '../services/hub-config.ts';
import { createServices } from '../services/index.ts';
import { openStore } from '../store/store.ts';
import { announceApi, portOption } from './announce-api.ts';
import { UsageError, parse } from './args.ts';
import { defaultDataDir, untilSignal } from './serve.ts';

export async function apiCommand(args: string[]): Promise<void> {
  const { values, positionals } = parse(args, {
    port: { type: 'string' },
    host: { type: 'string' },
    'model-dir': { type: 'string', multiple: true },
    'data-dir': { type: 'string' },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}".`);
  const port = portOption(values.port, 'port');
  const dataDir = resolve(values['data-dir'] ?? defaultDataDir());
  const modelsDir = join(dataDir, 'models');
  const modelDirs = (values['model-dir'] ?? []).map((dir) => resolve(dir));

  const store = openStore(dataDir);
  const services = createServices({
    store,
    modelDirs,
    engine: new EngineHost({ spawn: () => forkEngineProcess() }),
    downloads: { modelsDir, tokenStore: memoryTokenStore(process.env.HF_TOKEN || null) },
    api: {
      enabled: true,
      ...(port !== undefined ? { port } : {}),
      ...(values.host !== undefined ? { host: values.host } : {}),
      ...(process.env.TESSERA_API_KEY ? { key: process.env.TESSERA_API_KEY } : {}),
    },
  });
  const shutdown = async () => {
    await services.dispose();
    store.close();
  };
  try {
    await announceApi(services, values.host);
  } catch (error) {
    await shutdown();
    throw error;
  }
  if ((await services.handlers['models.list']({})).length === 0) {
    console.error(
      `No model found in ${[...modelDirs, modelsDir].join(', ')}. Add a model folder with --model-dir DIR, ` +
        'or download one with "tessera pull".',
    );
  }
  const signal = await untilSignal();
  console.error(`Received ${signal}; shutting down.`);
  await shutdown();
}
