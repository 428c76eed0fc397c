/**
 * The API server as a service: started, stopped and moved as its settings say (stored with the local
 * settings; a command line may override them for one run), its key made on first use and regenerable, and
 * its state and queue pushed to the app as `api.status`. A port in use ends in a `failed` state with the
 * reason, never a crash.
 */
import { randomBytes } from 'node:crypto';
import { networkInterfaces } from 'node:os';
import { DEFAULT_API_PORT } from '../../app/ipc/contract.ts';
import type { ApiServerSettings, ApiServerStatus } from '../../app/ipc/contract.ts';
import type { Context } from '../services/context.ts';
import type { GenerationQueue } from '../services/generation.ts';
import { complete } from './completions.ts';
import { apiModels } from './models.ts';
import { startApiServer } from './server.ts';
import type { RunningApiServer } from './server.ts';

export const DEFAULT_API_SETTINGS: Readonly<ApiServerSettings> = Object.freeze({
  enabled: false,
  port: DEFAULT_API_PORT,
  allowNetwork: false,
  corsOrigin: '',
  fetchImageUrls: false,
});

/** What a command line decides for one run, over the stored settings (never stored). */
export interface ApiOverrides {
  enabled?: boolean;
  /** 0: any free port. */
  port?: number;
  /** The address to listen on (default: 127.0.0.1, or every interface where the user allowed the network). */
  host?: string;
  /** TESSERA_API_KEY: used instead of the stored key. */
  key?: string;
}

export function generateApiKey(): string {
  return `tsk-${randomBytes(24).toString('base64url')}`;
}

export class ApiController {
  private server: { running: RunningApiServer; host: string; port: number } | null = null;
  private error: string | null = null;
  private running = 0;
  private waiting = 0;
  /** Starts and stops run one after another. */
  private chain: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly ctx: Context,
    private readonly queue: GenerationQueue,
    private readonly overrides: ApiOverrides = {},
  ) {}

  settings(): ApiServerSettings {
    const { key: _key, ...stored } = this.ctx.store.getLocalSettings().apiServer ?? {
      ...DEFAULT_API_SETTINGS,
      key: null,
    };
    return {
      ...stored,
      ...(this.overrides.enabled !== undefined ? { enabled: this.overrides.enabled } : {}),
      ...(this.overrides.port !== undefined ? { port: this.overrides.port } : {}),
    };
  }

  /** The key requests must carry: TESSERA_API_KEY, else the stored one (made and stored on first use). */
  key(): string {
    if (this.overrides.key) return this.overrides.key;
    const stored = this.ctx.store.getLocalSettings().apiServer;
    if (stored?.key) return stored.key;
    const key = generateApiKey();
    this.store({ key });
    return key;
  }

  status(): ApiServerStatus {
    return {
      settings: this.settings(),
      state: this.server ? 'listening' : this.error ? 'failed' : 'off',
      url: this.server?.running.url ?? null,
      networkUrls: this.server ? networkUrls(this.server.host, this.server.running.port) : [],
      key: this.key(),
      keySource: this.overrides.key ? 'env' : 'stored',
      error: this.error,
      running: this.running,
      waiting: this.waiting,
    };
  }

  /** Starts, stops or moves the server to match the settings; resolves with the status after. */
  sync(): Promise<ApiServerStatus> {
    const run = this.chain.then(() => this.apply());
    this.chain = run.catch(() => {});
    return run.then(() => this.status());
  }

  async configure(changes: Partial<ApiServerSettings>): Promise<ApiServerStatus> {
    this.store(changes);
    return this.sync();
  }

  async regenerateKey(): Promise<ApiServerStatus> {
    if (this.overrides.key) return this.status(); // TESSERA_API_KEY wins; the UI says so.
    this.store({ key: generateApiKey() });
    this.emit();
    return this.status();
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.sync();
  }

  private store(changes: Partial<ApiServerSettings> & { key?: string }): void {
    const current = this.ctx.store.getLocalSettings().apiServer ?? { ...DEFAULT_API_SETTINGS, key: null };
    this.ctx.store.updateLocalSettings({ apiServer: { ...current, ...changes } });
  }

  private async apply(): Promise<void> {
    const settings = this.settings();
    const host = this.overrides.host ?? (settings.allowNetwork ? '0.0.0.0' : '127.0.0.1');
    const wanted = !this.closed && settings.enabled;
    const same = this.server?.host === host && this.server.port === settings.port;
    if (this.server && (!wanted || !same)) {
      const { running } = this.server;
      this.server = null;
      await running.close();
    }
    if (!wanted) {
      this.error = null;
      return this.emit();
    }
    if (this.server) return this.emit();
    try {
      const running = await startApiServer(
        {
          host,
          port: settings.port,
          config: () => ({ key: this.key(), corsOrigin: this.settings().corsOrigin || null }),
        },
        {
          models: () => apiModels(this.ctx.models.list()),
          complete: (model, body, onText, signal) =>
            complete(
              {
                ctx: this.ctx,
                queue: this.queue,
                fetchImageUrls: this.settings().fetchImageUrls,
                onQueueState: (state, delta) => this.count(state, delta),
              },
              model,
              body,
              onText,
              signal,
            ),
          log: this.ctx.log,
        },
      );
      this.server = { running, host, port: settings.port };
      this.error = null;
    } catch (error) {
      this.error = listenError(error, host, settings.port);
      this.ctx.log(`the API server could not start: ${this.error}`);
    }
    this.emit();
  }

  private count(state: 'waiting' | 'running', delta: 1 | -1): void {
    if (state === 'waiting') this.waiting += delta;
    else this.running += delta;
    this.emit();
  }

  private emit(): void {
    this.ctx.events.emit('api.status', this.status());
  }
}

/** The base URLs other devices use, where the server listens on every interface (IPv4, not loopback). */
function networkUrls(host: string, port: number): string[] {
  if (host !== '0.0.0.0' && host !== '::') return [];
  return Object.values(networkInterfaces())
    .flat()
    .filter((net) => net !== undefined && net.family === 'IPv4' && !net.internal)
    .map((net) => `http://${net?.address}:${port}/v1`);
}

function listenError(error: unknown, host: string, port: number): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') return `Port ${port} is in use by another program; choose another port.`;
  if (code === 'EACCES') return `Port ${port} needs administrator rights here; choose one above 1024.`;
  if (code === 'EADDRNOTAVAIL') return `${host} is not an address of this machine.`;
  return `Could not listen on ${host}:${port}: ${error instanceof Error ? error.message : String(error)}`;
}
