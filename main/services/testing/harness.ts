/** Services over a store and a real engine process on a generated model, for the service and server tests. */
import type { EventName, Events, Message, RequestName, RequestOutput } from '../../../app/ipc/contract.ts';
import type { Result } from '../../../app/ipc/contract.ts';
import type { Settings } from '../../../app/ipc/contract.ts';
import type { Store } from '../../store/types.ts';
import { dispatch } from '../dispatch.ts';
import { EngineHost } from '../engine-host.ts';
import type { RestartPolicy } from '../engine-host.ts';
import { forkEngineProcess } from '../../../models/engine/fork.ts';
import type { Deadlines } from '../../../models/engine/watchdog.ts';
import type { ApiOverrides } from '../../api/controller.ts';
import type { AnyEvent } from '../events.ts';
import { createServices } from '../index.ts';
import type { DownloadsOptions, Services } from '../index.ts';
import type { RemoteOptions } from '../../remote/servers.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../store/store.ts';

export interface Harness {
  services: Services;
  store: Store;
  engine: EngineHost;
  events: AnyEvent[];
  /** A request through dispatch; throws on an error result. */
  call<K extends RequestName>(name: K, input: unknown): Promise<RequestOutput<K>>;
  /** A request expected to fail: its error. */
  fail(name: string, input: unknown): Promise<{ code: string; message: string }>;
  /** The answer's `answer.done` message (already received or still to come), from event index `from`. */
  done(messageId: string, from?: number): Promise<Message>;
  /** The first event of this name matching `test`, from event index `from` on, past or future. */
  next<E extends EventName>(
    name: E,
    test?: (payload: Events[E]) => boolean,
    from?: number,
  ): Promise<Events[E]>;
  close(): Promise<void>;
}

export const TEST_SETTINGS: Partial<Settings> = {
  device: 'cpu',
  sampling: { temperature: 0, maxTokens: 6, topP: 1 },
};

export function startHarness(options: {
  modelDirs: string[];
  store?: Store;
  restart?: Partial<RestartPolicy>;
  deadlines?: Partial<Deadlines>;
  downloads?: DownloadsOptions;
  /** The API server's command-line choices (tests: port 0). */
  api?: ApiOverrides;
  remote?: RemoteOptions;
}): Harness {
  // A real SQLite store in a temporary folder unless the test brings its own.
  const dataDir = options.store ? null : mkdtempSync(join(tmpdir(), 'tessera-services-'));
  const store = options.store ?? openStore(dataDir as string);
  if (dataDir) store.updateSettings(TEST_SETTINGS);
  const engine = new EngineHost({
    spawn: () => forkEngineProcess(),
    restart: { initialDelayMs: 50, ...options.restart },
    ...(options.deadlines ? { deadlines: options.deadlines } : {}),
    log: () => {},
  });
  const services = createServices({
    store,
    modelDirs: options.modelDirs,
    engine,
    // Random weights would end answers at a random EOS; tests need answers of a known length.
    sampling: { ignoreEos: true, seed: 1 },
    log: () => {},
    ...(options.downloads ? { downloads: options.downloads } : {}),
    ...(options.api ? { api: options.api } : {}),
    ...(options.remote ? { remote: options.remote } : {}),
  });
  const events: AnyEvent[] = [];
  const waiters = new Set<() => void>();
  services.events.on((...event) => {
    events.push(event);
    for (const wake of [...waiters]) wake();
  });

  const next = <E extends EventName>(name: E, test: (payload: Events[E]) => boolean = () => true, from = 0) =>
    new Promise<Events[E]>((resolve) => {
      const check = () => {
        const found = events.slice(from).find(([n, p]) => n === name && test(p as Events[E]));
        if (!found) return false;
        waiters.delete(wake);
        resolve(found[1] as Events[E]);
        return true;
      };
      const wake = () => void check();
      if (!check()) waiters.add(wake);
    });

  const run = (name: string, input: unknown): Promise<Result<unknown>> =>
    dispatch(services.handlers, name, input, () => {});

  return {
    services,
    store,
    engine,
    events,
    async call<K extends RequestName>(name: K, input: unknown) {
      const result = await run(name, input);
      if (!result.ok) throw new Error(`${name}: ${result.error.code}: ${result.error.message}`);
      return result.value as RequestOutput<K>;
    },
    async fail(name, input) {
      const result = await run(name, input);
      if (result.ok) throw new Error(`${name} succeeded but was expected to fail`);
      return result.error;
    },
    done: (messageId, from = 0) =>
      next('answer.done', (p) => p.message.id === messageId, from).then((p) => p.message),
    next,
    close: async () => {
      await services.dispose();
      if (dataDir) {
        store.close();
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
  };
}
