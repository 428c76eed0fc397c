/**
 * The remote servers the user added: kept in the store's local settings with what each listed last time
 * (so an unreachable server's models stay listed, with its problem, instead of vanishing), their API keys
 * in a key store apart (the OS keychain in the app, like the Hub token), never sent to the renderer. A
 * remote model is listed as a ModelEntry whose id is `remote:<serverId>:<model>` (app/remote.ts), so a
 * thread or the settings choose it as they choose a local model.
 *
 * Nothing about these servers is sent anywhere but to the server itself.
 */
import { randomBytes } from 'node:crypto';
import type { z } from 'zod';
import { TesseraError } from '../../app/errors.ts';
import type { ModelEntry } from '../../app/ipc/contract.ts';
import { remoteModelId } from '../../app/remote.ts';
import type { RemoteModelRecord, RemoteServerRecord, RemoteServerView } from '../../app/remote.ts';
import type { familyHintSchema } from '../../app/remote.ts';
import type { FamilyGeometry } from '../../models/families/family.ts';
import { familyForModelType } from '../../models/families/registry.ts';
import { contextLengthOf } from '../../models/files/config-values.ts';
import type { TokenStore } from '../services/hub-config.ts';
import { memoryTokenStore } from '../services/hub-config.ts';
import type { Store } from '../store/types.ts';
import { DEFAULT_RETRY } from './client.ts';
import type { RemoteEndpoint, RetryPolicy } from './client.ts';
import { listModels } from './list-models.ts';

export interface RemoteOptions {
  /** Where a server's API key is kept; default: memory (`tessera serve`, tests). */
  keyStore?: (serverId: string) => TokenStore;
  retry?: Partial<RetryPolicy>;
  /** The longest wait for a response's headers (a listing, a chat's first byte). Default 3 minutes. */
  firstByteMs?: number;
  /** The longest pause inside a streamed answer before it counts as broken. Default 2 minutes. */
  idleMs?: number;
  /** The most bytes one answer may take before it is cut off (default 64 MiB). */
  maxBytes?: number;
}

/** A remote model a thread may use: where it is and how to reach it. */
export interface RemoteModel {
  entry: ModelEntry;
  endpoint: RemoteEndpoint;
  model: string;
}

type ServerStore = Pick<Store, 'getLocalSettings' | 'updateLocalSettings'>;
type FamilyHint = z.infer<typeof familyHintSchema>;

export class RemoteServers {
  readonly retry: RetryPolicy;
  readonly firstByteMs: number;
  readonly idleMs: number;
  readonly maxBytes: number | undefined;
  private readonly keys = new Map<string, TokenStore>();
  private readonly geometries = new Map<string, FamilyGeometry | null>();

  constructor(
    private readonly store: ServerStore,
    private readonly options: RemoteOptions = {},
  ) {
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.firstByteMs = options.firstByteMs ?? 180_000;
    this.idleMs = options.idleMs ?? 120_000;
    this.maxBytes = options.maxBytes;
  }

  list(): RemoteServerView[] {
    return this.records().map((record) => this.view(record));
  }

  /**
   * Checks the server answers as an OpenAI API (its `/models`), then keeps it and its key. Adding a server
   * already in the list again replaces its key and name (how a key is changed), keeping its id, so threads
   * that chose its models keep them.
   */
  async add(input: {
    baseUrl: string;
    apiKey?: string | null;
    name?: string | null;
  }): Promise<RemoteServerView> {
    const baseUrl = normalizeBaseUrl(input.baseUrl);
    const existing = this.records().find((r) => r.baseUrl === baseUrl);
    const name = input.name?.trim() || existing?.name || new URL(baseUrl).host;
    const apiKey = input.apiKey?.trim() || null;
    const models = await listModels({ name, baseUrl, apiKey }, this.retry, this.firstByteMs);
    const record: RemoteServerRecord = {
      id: existing?.id ?? randomBytes(4).toString('hex'),
      name,
      baseUrl,
      models,
      checkedAt: Date.now(),
      problem: null,
      ...(existing?.hints ? { hints: existing.hints } : {}),
    };
    try {
      this.keyStore(record.id).set(apiKey);
    } catch (error) {
      throw new TesseraError('BAD_REQUEST', `The API key was not saved: ${(error as Error).message}`, {
        cause: error,
      });
    }
    const others = this.records().filter((r) => r.id !== record.id);
    this.save(existing ? this.records().map((r) => (r.id === record.id ? record : r)) : [...others, record]);
    return this.view(record);
  }

  remove(id: string): void {
    const records = this.records();
    if (!records.some((r) => r.id === id))
      throw new TesseraError('NOT_FOUND', 'That remote server is not in the list.');
    this.save(records.filter((r) => r.id !== id));
    this.keyStore(id).set(null);
    this.keys.delete(id);
  }

  /**
   * Lists a server's models again. A failure is kept as its problem, its last list stays: its models are
   * still shown (marked) and work again once it answers.
   */
  async refresh(id: string): Promise<RemoteServerView> {
    const record = this.record(id);
    let next: RemoteServerRecord;
    try {
      const models = await listModels(this.endpoint(record), this.retry, this.firstByteMs);
      next = { ...record, models, checkedAt: Date.now(), problem: null };
    } catch (error) {
      next = { ...record, problem: (error as Error).message };
    }
    // Read again: the list may have changed while the server was asked.
    this.save(this.records().map((r) => (r.id === id ? next : r)));
    return this.view(next);
  }

  async refreshAll(): Promise<RemoteServerView[]> {
    return Promise.all(this.records().map((r) => this.refresh(r.id)));
  }

  /** Every remote model as a model entry; `local` are the installed models (a family known by name). */
  entries(local: readonly ModelEntry[]): ModelEntry[] {
    return this.records().flatMap((record) =>
      record.models.map((model) => this.entryOf(record, model, local)),
    );
  }

  /** The remote model an id means, or null when it is no remote model id of a server in the list. */
  find(id: string, local: readonly ModelEntry[]): RemoteModel | null {
    for (const record of this.records()) {
      for (const model of record.models) {
        if (remoteModelId(record.id, model.name) !== id) continue;
        return {
          entry: this.entryOf(record, model, local),
          endpoint: this.endpoint(record),
          model: model.name,
        };
      }
    }
    return null;
  }

  /**
   * The family geometry a remote model's images are planned with: from the server's own description (another
   * Tessera lists its models' JSON files), else an installed model of the same name; null when unknown.
   */
  geometry(
    id: string,
    local: readonly ModelEntry[],
    bindLocal: (dir: string) => FamilyGeometry,
  ): FamilyGeometry | null {
    const found = this.find(id, local);
    if (!found) return null;
    const server = this.record(found.entry.remote?.serverId ?? '');
    const record = server.models.find((m) => m.name === found.model);
    const hint = server.hints?.[found.model] ?? null;
    const fromServer = record ? this.boundJson(found.endpoint, record, hint) : null;
    if (fromServer) return fromServer;
    const twin = localTwin(found.model, local);
    return twin ? bindLocal(twin.dir) : null;
  }

  private entryOf(
    record: RemoteServerRecord,
    model: RemoteModelRecord,
    local: readonly ModelEntry[],
  ): ModelEntry {
    const endpoint = this.endpoint(record);
    const twin = localTwin(model.name, local);
    const hint = record.hints?.[model.name] ?? null;
    const geometry = this.boundJson(endpoint, model, hint);
    const json = model.json ?? hint?.json;
    const configLength = json ? safeContextLength(json.config) : null;
    return {
      id: remoteModelId(record.id, model.name),
      name: model.name,
      dir: '',
      family: geometry?.family ?? twin?.family ?? 'unknown',
      contextLength: model.contextLength ?? configLength ?? twin?.contextLength ?? 0,
      source: null,
      bytes: 0,
      removable: false,
      remote: {
        serverId: record.id,
        serverName: record.name,
        baseUrl: record.baseUrl,
        model: model.name,
        planKnown: geometry !== null || twin !== null,
        familyRepo: hint?.repo ?? null,
      },
      ...(record.problem ? { problem: record.problem } : {}),
    };
  }

  /** The geometry bound to the JSON a Tessera server sent, kept per server, model and JSON; null if none or bad. */
  private boundJson(
    endpoint: RemoteEndpoint,
    model: RemoteModelRecord,
    hint: FamilyHint | null,
  ): FamilyGeometry | null {
    // The server's own description first; the Hub repo the user named where it gives none.
    const json = model.json ?? hint?.json;
    if (!json) return null;
    const key = `${endpoint.baseUrl}\n${model.name}\n${JSON.stringify(json)}`;
    if (!this.geometries.has(key)) {
      this.geometries.set(key, bindJson(`${endpoint.baseUrl} (${model.name})`, json));
    }
    return this.geometries.get(key) ?? null;
  }

  /**
   * Names the Hub repo whose configs describe a remote model's family (null forgets it), for a server that
   * does not say: its JSON files are fetched once and kept, and must make a family Tessera can plan with.
   */
  async setFamilySource(
    id: string,
    repo: string | null,
    fetchJson: (repo: string) => Promise<FamilyHint['json']>,
    local: readonly ModelEntry[],
  ): Promise<ModelEntry> {
    const found = this.find(id, local);
    const serverId = found?.entry.remote?.serverId;
    if (!found || !serverId) throw new TesseraError('NOT_FOUND', 'That remote model is no longer listed.');
    let hint: FamilyHint | null = null;
    if (repo !== null) {
      const json = await fetchJson(repo);
      if (!bindJson(repo, json)) {
        throw new TesseraError(
          'MODEL_UNSUPPORTED',
          `${repo}'s config.json names no family Tessera can plan images for (model_type ${String(json.config.model_type)}).`,
        );
      }
      hint = { repo, json };
    }
    this.save(
      this.records().map((r) => {
        if (r.id !== serverId) return r;
        const { [found.model]: _old, ...rest } = r.hints ?? {};
        return { ...r, hints: hint ? { ...rest, [found.model]: hint } : rest };
      }),
    );
    return this.find(id, local)?.entry ?? found.entry;
  }

  private endpoint(record: RemoteServerRecord): RemoteEndpoint {
    return { name: record.name, baseUrl: record.baseUrl, apiKey: this.keyStore(record.id).get() };
  }

  private view(record: RemoteServerRecord): RemoteServerView {
    return {
      id: record.id,
      name: record.name,
      baseUrl: record.baseUrl,
      hasKey: this.keyStore(record.id).get() !== null,
      models: record.models.map((m) => m.name),
      checkedAt: record.checkedAt,
      problem: record.problem,
    };
  }

  private keyStore(id: string): TokenStore {
    let keys = this.keys.get(id);
    if (!keys) {
      keys = this.options.keyStore?.(id) ?? memoryTokenStore();
      this.keys.set(id, keys);
    }
    return keys;
  }

  private records(): RemoteServerRecord[] {
    return this.store.getLocalSettings().remoteServers;
  }

  private record(id: string): RemoteServerRecord {
    const record = this.records().find((r) => r.id === id);
    if (!record) throw new TesseraError('NOT_FOUND', 'That remote server is not in the list.');
    return record;
  }

  private save(records: RemoteServerRecord[]): void {
    this.store.updateLocalSettings({ remoteServers: records });
  }
}

/** A family's geometry from a server's JSON files; null for a config this Tessera cannot plan with. */
function bindJson(where: string, json: FamilyHint['json']): FamilyGeometry | null {
  try {
    return familyForModelType(json.config.model_type, `${where} config`).bind({
      dir: where,
      config: json.config,
      preprocessorConfig: json.preprocessor_config,
      processorConfig: json.processor_config ?? null,
    });
  } catch {
    return null; // The plan is unknown; the model still answers.
  }
}

/**
 * The API root a user typed, checked and without a trailing slash: http or https, a host, no query. Bad
 * input gets a message saying what a base URL looks like.
 */
export function normalizeBaseUrl(input: string): string {
  const example = 'e.g. http://gpu-box:8000/v1';
  let url: URL;
  try {
    url = new URL(input.trim());
  } catch {
    throw new TesseraError(
      'BAD_REQUEST',
      `"${input}" is not an address; give the server's API root (${example}).`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TesseraError('BAD_REQUEST', `A server's address starts with http:// or https:// (${example}).`);
  }
  if (url.search || url.hash || url.username || url.password) {
    throw new TesseraError(
      'BAD_REQUEST',
      `Give the API root without a query, fragment or user name (${example}); an API key goes in its own field.`,
    );
  }
  return url.href.replace(/\/+$/, '');
}

/** An installed model of the same name ("Qwen/Qwen2-VL-2B-Instruct" on a server, "Qwen2-VL-2B-Instruct" here). */
function localTwin(model: string, local: readonly ModelEntry[]): ModelEntry | null {
  const wanted = model.toLowerCase();
  const last = wanted.split(/[/\\]/).pop() ?? wanted;
  return (
    local.find(
      (entry) =>
        !entry.remote &&
        !entry.problem &&
        (entry.source?.repo.toLowerCase() === wanted || entry.name.toLowerCase() === last),
    ) ?? null
  );
}

function safeContextLength(config: Record<string, unknown>): number | null {
  try {
    return contextLengthOf(config);
  } catch {
    return null;
  }
}
