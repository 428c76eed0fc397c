/**
 * What every part of the fake services shares: the options, ids and a clock, the in-memory tables, the
 * event listeners and the engine status. Each contract area (threads.ts, chat.ts, …) adds its handlers.
 */
import type { ErrorCode } from '../../../app/errors.ts';
import type {
  CatalogView,
  DownloadJob,
  Draft,
  EngineStatus,
  EventName,
  Events,
  HubSettings,
  ImageRef,
  Message,
  ModelEntry,
  RequestInput,
  RequestName,
  RequestOutput,
  Result,
  Settings,
  Thread,
} from '../../../app/ipc/contract.ts';
import { DEFAULT_ENDPOINT, FAKE_MODEL, fakeStats } from './data.ts';

export type Handler<K extends RequestName> = (
  input: RequestInput<K>,
) => Result<RequestOutput<K>> | Promise<Result<RequestOutput<K>>>;
export type FakeHandlers = { [K in RequestName]?: Handler<K> };
/** The handlers of some requests, all given. */
export type HandlersOf<K extends RequestName> = { [P in K]: Handler<P> };

export interface FakeApiOptions {
  /** Replace single requests (e.g. to make one fail). */
  handlers?: FakeHandlers;
  models?: ModelEntry[];
  /** Stream canned answers on a timer (the demo); tests leave it off and emit events themselves. */
  autoAnswer?: { chunkMs: number } | false;
  /** Ids are deterministic so tests can name them. */
  idPrefix?: string;
  /**
   * Downloads make progress on a timer (the demo). Tests leave it off and drive them with
   * `advanceDownload`, `failDownload` and `completeDownload`.
   */
  autoDownload?: { tickMs: number; bytesPerSecond: number } | false;
  /** The machine the catalog describes (fit indicators). */
  memory?: CatalogView['memory'];
  freeDiskBytes?: number | null;
}

export interface FakeState {
  options: FakeApiOptions;
  /** A new id of this kind (`t`, `q`, `a`, `dl`), with the options' prefix. */
  id(kind: string): string;
  /** The fake clock, a second further on each call. */
  tick(): number;
  emit<E extends EventName>(event: E, payload: Events[E]): void;
  listeners: Map<string, Set<(payload: unknown) => void>>;
  threads: Map<string, Thread>;
  /** Soft-deleted threads (`threads.restore` brings them back). */
  deleted: Set<string>;
  messages: Map<string, Message>;
  images: Map<string, { ref: ImageRef; bytes: Uint8Array }>;
  /** Unsent questions by thread id. */
  drafts: Map<string, Draft>;
  /** The installed models (the same array `models.list` answers from; downloads add to it). */
  models: ModelEntry[];
  downloads: Map<string, DownloadJob>;
  hub: HubSettings;
  memory: CatalogView['memory'];
  settings: Settings;
  engine: EngineStatus;
  /** Changes the engine status and emits it. */
  setEngine(changes: Partial<EngineStatus>): void;
}

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const err = (code: ErrorCode, message: string): Result<never> => ({
  ok: false,
  error: { code, message },
});

export function createState(options: FakeApiOptions): FakeState {
  const prefix = options.idPrefix ?? '';
  let nextId = 1;
  let clock = 1_700_000_000_000;
  const models = [...(options.models ?? [FAKE_MODEL])];
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  const settings: Settings = {
    activeModelId: models[0]?.id ?? null,
    device: 'auto',
    theme: 'system',
    sampling: { temperature: 0, maxTokens: 1024, topP: 1 },
    systemPrompt: '',
    contextOverflow: 'stop',
    presets: [],
    redactBeforeAttach: false,
  };
  const state: FakeState = {
    options,
    id: (kind) => `${prefix}${kind}-${nextId++}`,
    tick: () => (clock += 1000),
    emit(event, payload) {
      for (const listener of listeners.get(event) ?? []) listener(payload);
    },
    listeners,
    threads: new Map(),
    deleted: new Set(),
    messages: new Map(),
    images: new Map(),
    drafts: new Map(),
    models,
    downloads: new Map(),
    hub: { endpoint: DEFAULT_ENDPOINT, endpointSource: 'default', hasToken: false },
    memory: options.memory ?? { totalBytes: 16 * 1024 ** 3, availableBytes: 8 * 1024 ** 3 },
    settings,
    engine: {
      state: models.length ? 'ready' : 'stopped',
      modelId: settings.activeModelId,
      providers: models.length ? fakeStats(0).providers : null,
      error: null,
      restarts: 0,
    },
    setEngine(changes) {
      state.engine = { ...state.engine, ...changes };
      state.emit('engine.status', state.engine);
    },
  };
  return state;
}
