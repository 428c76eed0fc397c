/**
 * The Hub endpoint and access token the downloads and inspections use, apart from downloads.ts so the
 * services' context can name it without importing the handlers (which import the context).
 */
import { TesseraError } from '../../app/errors.ts';
import type { HubSettings } from '../../app/ipc/contract.ts';
import { DEFAULT_ENDPOINT, type HubClientOptions } from '../downloads/hub-client.ts';
import type { Store } from '../store/types.ts';

/** Where the Hub access token lives: the OS keychain in the app, memory for `tessera serve`. */
export interface TokenStore {
  get(): string | null;
  /** null forgets it. Throws (with what to do) when it cannot be kept safely. */
  set(token: string | null): void;
  /** Whether it is encrypted at rest. */
  readonly encrypted: boolean;
}

/** A token kept in memory only (seeded from HF_TOKEN by `tessera serve`). */
export function memoryTokenStore(initial: string | null = null): TokenStore {
  let token = initial;
  return {
    get: () => token,
    set: (next) => void (token = next),
    encrypted: false,
  };
}

/** The Hub endpoint and token in effect: flag > setting > HF_ENDPOINT > huggingface.co. */
export class HubConfig {
  constructor(
    private readonly store: Pick<Store, 'getLocalSettings'>,
    private readonly tokens: TokenStore,
    private readonly flag?: string,
    /** Client settings added to every request (tests: fast retries). */
    private readonly extra: Omit<HubClientOptions, 'endpoint' | 'token'> = {},
  ) {}

  settings(): HubSettings {
    const setting = this.store.getLocalSettings().hubEndpoint;
    const env = process.env.HF_ENDPOINT;
    const [endpoint, endpointSource]: [string, HubSettings['endpointSource']] = this.flag
      ? [this.flag, 'flag']
      : setting
        ? [setting, 'setting']
        : env
          ? [env, 'env']
          : [DEFAULT_ENDPOINT, 'default'];
    return { endpoint: endpoint.replace(/\/+$/, ''), endpointSource, hasToken: this.tokens.get() !== null };
  }

  /** Read for every download and inspection, so a change applies to the next one. Proxies come from env. */
  client(): HubClientOptions {
    const token = this.tokens.get();
    return { ...this.extra, endpoint: this.settings().endpoint, ...(token ? { token } : {}) };
  }

  setToken(token: string | null): void {
    try {
      this.tokens.set(token);
    } catch (error) {
      throw new TesseraError('BAD_REQUEST', `The access token was not saved: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
}
