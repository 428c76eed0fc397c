/**
 * An in-memory implementation of the contract's Api, for the renderer's tests and for looking at the UI
 * without an engine. It keeps threads as message trees the way the store does, plans images the way a
 * SmolVLM-like family would (512-pixel tiles plus a global view) and streams canned answers.
 */
import { CATALOG, type CatalogEntry } from '../../app/catalog.ts';
import type { ErrorCode, WireError } from '../../app/errors.ts';
import type {
  Api,
  CatalogView,
  DownloadJob,
  EngineStatus,
  EventName,
  Events,
  HubSettings,
  ImageRef,
  Inspection,
  Message,
  MessagePart,
  ModelEntry,
  RequestInput,
  RequestName,
  RequestOutput,
  Result,
  Settings,
  Thread,
} from '../../app/ipc/contract.ts';
import type { GenerationStats } from '../../app/chat.ts';
import type { Detail, Tile, TilePlan } from '../../app/tile-plan.ts';

/**
 * The real catalog plus one entry Tessera cannot run, so the Models page's "not yet supported" path has data:
 * every family of the real catalog runs today, but an entry may be listed before its family lands.
 */
export const FAKE_CATALOG: readonly CatalogEntry[] = [
  ...CATALOG,
  {
    ...(CATALOG[0] as CatalogEntry),
    repo: 'tessera-test/InternVL3-1B',
    name: 'InternVL3 1B',
    family: 'internvl',
    modelType: 'internvl_chat',
    supported: false,
    unsupportedReason: 'Tessera does not run the InternVL family yet.',
  },
];
const catalogEntry = (repo: string) => FAKE_CATALOG.find((e) => e.repo === repo);

type Handler<K extends RequestName> = (
  input: RequestInput<K>,
) => Result<RequestOutput<K>> | Promise<Result<RequestOutput<K>>>;
export type FakeHandlers = { [K in RequestName]?: Handler<K> };

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

export interface FakeApi {
  api: Api;
  calls: Array<{ name: RequestName; input: unknown }>;
  emit<E extends EventName>(event: E, payload: Events[E]): void;
  threads: Map<string, Thread>;
  messages: Map<string, Message>;
  images: Map<string, { ref: ImageRef; bytes: Uint8Array }>;
  settings: Settings;
  /** The installed models (the same array `models.list` answers from; downloads add to it). */
  models: ModelEntry[];
  downloads: Map<string, DownloadJob>;
  hub: HubSettings;
  /** Moves a download on by this many bytes (queued or downloading), finishing it at its total. */
  advanceDownload(id: string, bytes: number, bytesPerSecond?: number): DownloadJob;
  failDownload(id: string, error?: { code: string; message: string }): DownloadJob;
  completeDownload(id: string): DownloadJob;
}

export const FAKE_COMMIT = '8c3f7e1a2b4d6f80912a3b4c5d6e7f8091a2b3c4';

export const FAKE_MODEL: ModelEntry = {
  id: 'smolvlm-256m',
  name: 'SmolVLM 256M Instruct',
  dir: '/models/SmolVLM-256M-Instruct',
  family: 'smolvlm',
  contextLength: 8192,
  source: { repo: 'HuggingFaceTB/SmolVLM-256M-Instruct', commit: FAKE_COMMIT, variant: 'q4' },
  bytes: 171_966_464,
  removable: true,
};

/** A model entry with defaults for the fields a test does not care about. */
export function fakeModel(fields: Partial<ModelEntry> & Pick<ModelEntry, 'id'>): ModelEntry {
  return {
    name: fields.id,
    dir: `/models/${fields.id}`,
    family: 'smolvlm',
    contextLength: 8192,
    source: null,
    bytes: 100_000_000,
    removable: false,
    ...fields,
  };
}

export const FAKE_MODELS_DIR = '/home/me/.local/share/tessera/models';
const DEFAULT_ENDPOINT = 'https://huggingface.co';
/** Files besides the graphs: configs and the tokenizer. */
const EXTRA_FILES: Array<[string, number]> = [
  ['config.json', 4_200],
  ['generation_config.json', 160],
  ['preprocessor_config.json', 480],
  ['tokenizer.json', 3_548_000],
  ['tokenizer_config.json', 27_000],
];

const ok = <T>(value: T): Result<T> => ({ ok: true, value });
const err = (code: ErrorCode, message: string): Result<never> => ({ ok: false, error: { code, message } });

export function fakeStats(generatedTokens: number): GenerationStats {
  return {
    promptTokens: 1234,
    cachedTokens: 0,
    generatedTokens,
    imagesEncoded: 1,
    imagesFromCache: 0,
    preprocessMs: 18,
    visionEncodeMs: 412,
    prefillMs: 96,
    timeToFirstTokenMs: 540,
    decodeTokensPerSecond: 48.3,
    overheadMsPerToken: 0.4,
    providers: {
      vision: { provider: 'cuda', dtype: 'fp16' },
      embed: { provider: 'cuda', dtype: 'fp16' },
      decoder: { provider: 'cuda', dtype: 'q4f16' },
    },
  };
}

/** A plan shaped like SmolVLM's: longest edge up to 2048, 512-pixel tiles, 64 tokens each, plus global. */
export function fakePlan(width: number, height: number, detail: Detail): TilePlan {
  const global: Tile = { x: 0, y: 0, width, height, inputWidth: 512, inputHeight: 512, tokens: 64 };
  const original = { width, height };
  if (detail === 'low')
    return {
      family: 'smolvlm',
      detail,
      original,
      resized: { width: 512, height: 512 },
      grid: { rows: 0, cols: 0 },
      tiles: [],
      global,
      imageTokens: 64,
      promptTokens: 67,
    };
  const scale = Math.min(1, 2048 / Math.max(width, height));
  const cols = Math.max(1, Math.ceil((width * scale) / 512));
  const rows = Math.max(1, Math.ceil((height * scale) / 512));
  const tiles: Tile[] = [];
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) {
      const x = Math.round((c * width) / cols);
      const y = Math.round((r * height) / rows);
      tiles.push({
        x,
        y,
        width: Math.round(((c + 1) * width) / cols) - x,
        height: Math.round(((r + 1) * height) / rows) - y,
        inputWidth: 512,
        inputHeight: 512,
        tokens: 64,
      });
    }
  const imageTokens = 64 * (tiles.length + 1);
  return {
    family: 'smolvlm',
    detail,
    original,
    resized: { width: cols * 512, height: rows * 512 },
    grid: { rows, cols },
    tiles,
    global,
    imageTokens,
    promptTokens: imageTokens + 3 * (tiles.length + 1) + 2,
  };
}

/** Width and height from a PNG's IHDR chunk; other formats get a screenshot-like default. */
function imageSize(bytes: Uint8Array): { width: number; height: number } {
  const png = [0x89, 0x50, 0x4e, 0x47];
  if (bytes.length >= 24 && png.every((b, i) => bytes[i] === b)) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return { width: view.getUint32(16), height: view.getUint32(20) };
  }
  return { width: 1920, height: 1080 };
}

/** Not a real hash: unique per byte content is all the fake needs. */
function fakeSha(bytes: Uint8Array): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (const byte of bytes) {
    h1 = Math.imul(h1 ^ byte, 16777619) >>> 0;
    h2 = Math.imul(h2 + byte, 2246822519) >>> 0;
  }
  const part = (h1.toString(16).padStart(8, '0') + h2.toString(16).padStart(8, '0')).repeat(4);
  return part.slice(0, 64);
}

const ANSWER = `The error means the program tried to read a property of a value that is **undefined**.

In the screenshot, line 42 calls \`user.profile.name\`, but \`user.profile\` has not been loaded yet:

\`\`\`ts
const name = user.profile?.name ?? 'Anonymous';
\`\`\`

| Check | Why |
| --- | --- |
| Is the request finished? | The data arrives asynchronously |
| Is \`profile\` optional? | The API omits it for new users |

The cost grows as $O(n^2)$ for nested loops, and the total is $$\\sum_{i=1}^{n} i = \\frac{n(n+1)}{2}.$$`;

export function createFakeApi(options: FakeApiOptions = {}): FakeApi {
  const prefix = options.idPrefix ?? '';
  let nextId = 1;
  let clock = 1_700_000_000_000;
  const id = (kind: string) => `${prefix}${kind}-${nextId++}`;
  const tick = () => (clock += 1000);

  const threads = new Map<string, Thread>();
  const deleted = new Set<string>();
  const messages = new Map<string, Message>();
  const images = new Map<string, { ref: ImageRef; bytes: Uint8Array }>();
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  const timers = new Map<string, ReturnType<typeof setInterval>>();
  const models = [...(options.models ?? [FAKE_MODEL])];
  const downloads = new Map<string, DownloadJob>();
  const hub: HubSettings = { endpoint: DEFAULT_ENDPOINT, endpointSource: 'default', hasToken: false };
  const memory = options.memory ?? { totalBytes: 16 * 1024 ** 3, availableBytes: 8 * 1024 ** 3 };
  const settings: Settings = {
    activeModelId: models[0]?.id ?? null,
    device: 'auto',
    theme: 'system',
    sampling: { temperature: 0, maxTokens: 1024, topP: 1 },
    systemPrompt: '',
  };
  let engine: EngineStatus = {
    state: models.length ? 'ready' : 'stopped',
    modelId: settings.activeModelId,
    providers: models.length ? fakeStats(0).providers : null,
    error: null,
    restarts: 0,
  };
  const calls: FakeApi['calls'] = [];

  function emit<E extends EventName>(event: E, payload: Events[E]): void {
    for (const listener of listeners.get(event) ?? []) listener(payload);
  }

  // ---------------------------------------------------------------- downloads
  function saveJob(job: DownloadJob): DownloadJob {
    const next = { ...job, updatedAt: tick() };
    downloads.set(next.id, next);
    emit('downloads.progress', structuredClone(next));
    return next;
  }

  function getJob(jobId: string): DownloadJob {
    const job = downloads.get(jobId);
    if (!job) throw new Error(`No download ${jobId}.`);
    return job;
  }

  function install(job: DownloadJob): ModelEntry {
    const entry = catalogEntry(job.repo);
    const name = job.repo.split('/').pop() ?? job.repo;
    const model: ModelEntry = {
      id: `${name.toLowerCase()}-${job.variant}`,
      name: entry ? `${entry.name} (${job.variant})` : name,
      dir: `${FAKE_MODELS_DIR}/${job.repo.replace('/', '--')}-${job.variant}`,
      family: entry?.family ?? 'smolvlm',
      contextLength: entry?.contextLength ?? 8192,
      source: { repo: job.repo, commit: job.commit ?? FAKE_COMMIT, variant: job.variant },
      bytes: job.total,
      removable: true,
    };
    const at = models.findIndex((m) => m.id === model.id);
    if (at >= 0) models[at] = model;
    else models.push(model);
    models.sort((a, b) => a.name.localeCompare(b.name));
    return model;
  }

  function completeDownload(jobId: string): DownloadJob {
    const job = getJob(jobId);
    const model = install(job);
    const done = saveJob({
      ...job,
      state: 'done',
      bytes: job.total,
      files: job.files.map((f) => ({ ...f, bytes: f.total, done: true })),
      bytesPerSecond: 0,
      etaSeconds: 0,
      modelId: model.id,
    });
    emit('models.changed', {});
    // The engine picks up a first model on its own.
    if (engine.state === 'stopped') {
      emit('engine.status', (engine = { ...engine, state: 'starting', modelId: model.id }));
      emit('engine.status', (engine = { ...engine, state: 'ready', providers: fakeStats(0).providers }));
    }
    return done;
  }

  function advanceDownload(jobId: string, bytes: number, bytesPerSecond = bytes): DownloadJob {
    const job = getJob(jobId);
    if (job.state !== 'queued' && job.state !== 'downloading') return job;
    let left = bytes;
    const files = job.files.map((file) => {
      const take = Math.min(left, file.total - file.bytes);
      left -= take;
      const done = file.bytes + take;
      return { ...file, bytes: done, done: done >= file.total };
    });
    const total = files.reduce((sum, f) => sum + f.bytes, 0);
    if (total >= job.total) {
      downloads.set(jobId, { ...job, files, bytes: total });
      return completeDownload(jobId);
    }
    return saveJob({
      ...job,
      state: 'downloading',
      commit: job.commit ?? FAKE_COMMIT,
      files,
      bytes: total,
      bytesPerSecond,
      etaSeconds: bytesPerSecond > 0 ? Math.ceil((job.total - total) / bytesPerSecond) : null,
    });
  }

  function failDownload(
    jobId: string,
    error: WireError = { code: 'HUB_ERROR', message: 'The Hub answered 503 Service Unavailable.' },
  ): DownloadJob {
    const job = getJob(jobId);
    return saveJob({ ...job, state: 'failed', bytesPerSecond: 0, etaSeconds: null, error });
  }

  function filesFor(repo: string, variant: string): DownloadJob['files'] | null {
    const entry = catalogEntry(repo);
    const spec = entry?.variants.find((v) => v.id === variant);
    if (!entry || !spec) return null;
    const graphs = Object.values(spec.files);
    const perGraph = Math.round(spec.downloadBytes / graphs.length);
    return [...EXTRA_FILES, ...graphs.map((path): [string, number] => [path, perGraph])].map(
      ([path, total]) => ({ path, bytes: 0, total, done: false }),
    );
  }

  let downloadTimer: ReturnType<typeof setInterval> | null = null;
  function ensureDownloadTimer(): void {
    const auto = options.autoDownload;
    if (!auto || downloadTimer) return;
    downloadTimer = setInterval(() => {
      const running = [...downloads.values()].filter(
        (j) => j.state === 'queued' || j.state === 'downloading',
      );
      if (running.length === 0 && downloadTimer) {
        clearInterval(downloadTimer);
        downloadTimer = null;
        return;
      }
      const rate = auto.bytesPerSecond / running.length;
      for (const job of running) advanceDownload(job.id, Math.round((rate * auto.tickMs) / 1000), rate);
    }, auto.tickMs);
  }

  function catalogView(): CatalogView {
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

  function touch(threadId: string, leafId?: string): Thread {
    const thread = threads.get(threadId);
    if (!thread) throw new Error(`No thread ${threadId}.`);
    const next = { ...thread, updatedAt: tick(), ...(leafId !== undefined ? { currentLeafId: leafId } : {}) };
    threads.set(threadId, next);
    return next;
  }

  function addMessage(
    threadId: string,
    parentId: string | null,
    role: Message['role'],
    parts: MessagePart[],
  ) {
    const message: Message = {
      id: id(role === 'user' ? 'q' : 'a'),
      threadId,
      parentId,
      role,
      parts,
      status: role === 'user' ? 'complete' : 'streaming',
      createdAt: tick(),
      stats: null,
      error: null,
    };
    messages.set(message.id, message);
    touch(threadId, message.id);
    return message;
  }

  function newestLeaf(messageId: string): string {
    const children = [...messages.values()].filter((m) => m.parentId === messageId);
    const newest = children.sort((a, b) => b.createdAt - a.createdAt)[0];
    return newest ? newestLeaf(newest.id) : messageId;
  }

  function finish(messageId: string, status: Message['status']): void {
    const timer = timers.get(messageId);
    if (timer) clearInterval(timer);
    timers.delete(messageId);
    const message = messages.get(messageId);
    if (!message || message.status !== 'streaming') return;
    const text = message.parts[0]?.type === 'text' ? message.parts[0].text : '';
    const done: Message = { ...message, status, stats: fakeStats(text.split(/\s+/).length) };
    messages.set(messageId, done);
    emit('answer.done', { message: done });
    emit('engine.status', (engine = { ...engine, state: 'ready' }));
  }

  function startAnswer(message: Message): void {
    emit('engine.status', (engine = { ...engine, state: 'busy' }));
    if (!options.autoAnswer) return;
    const words = ANSWER.split(/(?<=\s)/);
    let at = 0;
    timers.set(
      message.id,
      setInterval(() => {
        const chunk = words.slice(at, at + 2).join('');
        at += 2;
        if (!chunk) return finish(message.id, 'complete');
        const current = messages.get(message.id);
        if (!current) return;
        const text = (current.parts[0]?.type === 'text' ? current.parts[0].text : '') + chunk;
        messages.set(message.id, { ...current, parts: [{ type: 'text', text }] });
        emit('answer.delta', { messageId: message.id, text: chunk });
      }, options.autoAnswer.chunkMs),
    );
  }

  function toParts(content: RequestInput<'chat.send'>['content']): Result<MessagePart[]> {
    const parts: MessagePart[] = [];
    for (const part of content) {
      if (part.type === 'text') parts.push(part);
      else {
        const stored = images.get(part.image.sha256);
        if (!stored) return err('NOT_FOUND', 'No such image.');
        parts.push({ type: 'image', image: { ...stored.ref, detail: part.image.detail } });
      }
    }
    return ok(parts);
  }

  const defaults: { [K in RequestName]: Handler<K> } = {
    'threads.list': ({ query, limit }) => {
      const q = query?.trim().toLowerCase();
      let list = [...threads.values()].filter((t) => !deleted.has(t.id));
      const snippets = new Map<string, string>();
      if (q) {
        list = list.filter((t) => {
          if (t.title.toLowerCase().includes(q)) return true;
          const hit = [...messages.values()].find(
            (m) =>
              m.threadId === t.id &&
              m.parts.some((p) => p.type === 'text' && p.text.toLowerCase().includes(q)),
          );
          const part = hit?.parts.find((p) => p.type === 'text');
          if (part?.type === 'text') snippets.set(t.id, part.text.slice(0, 80));
          return Boolean(hit);
        });
      }
      list.sort((a, b) => b.updatedAt - a.updatedAt);
      return ok(
        list.slice(0, limit ?? 50).map((t) => ({
          id: t.id,
          title: t.title,
          updatedAt: t.updatedAt,
          snippet: snippets.get(t.id) ?? null,
        })),
      );
    },
    'threads.create': ({ title }) => {
      const now = tick();
      const thread: Thread = {
        id: id('t'),
        title: title ?? 'New thread',
        createdAt: now,
        updatedAt: now,
        currentLeafId: null,
        modelId: null,
        systemPrompt: null,
        temperature: null,
      };
      threads.set(thread.id, thread);
      return ok(thread);
    },
    'threads.get': ({ id: threadId }) => {
      const thread = threads.get(threadId);
      if (!thread || deleted.has(threadId)) return err('NOT_FOUND', 'No such thread.');
      const list = [...messages.values()].filter((m) => m.threadId === threadId);
      return ok({ thread, messages: list.sort((a, b) => a.createdAt - b.createdAt) });
    },
    'threads.rename': ({ id: threadId, title }) => {
      const thread = threads.get(threadId);
      if (!thread) return err('NOT_FOUND', 'No such thread.');
      const next = { ...thread, title };
      threads.set(threadId, next);
      return ok(next);
    },
    'threads.update': ({ id: threadId, ...changes }) => {
      const thread = threads.get(threadId);
      if (!thread) return err('NOT_FOUND', 'No such thread.');
      const next = { ...thread };
      if (changes.modelId !== undefined) next.modelId = changes.modelId;
      if (changes.systemPrompt !== undefined) next.systemPrompt = changes.systemPrompt;
      if (changes.temperature !== undefined) next.temperature = changes.temperature;
      threads.set(threadId, next);
      return ok(next);
    },
    'threads.delete': ({ id: threadId }) => {
      if (!threads.has(threadId)) return err('NOT_FOUND', 'No such thread.');
      deleted.add(threadId);
      return ok({ id: threadId });
    },
    'threads.restore': ({ id: threadId }) => {
      deleted.delete(threadId);
      const thread = threads.get(threadId);
      return thread ? ok(thread) : err('NOT_FOUND', 'No such thread.');
    },
    'threads.selectBranch': ({ threadId, messageId }) => {
      if (!messages.has(messageId)) return err('NOT_FOUND', 'No such message.');
      return ok(touch(threadId, newestLeaf(messageId)));
    },
    'threads.export': ({ id: threadId, format }) =>
      ok({ filename: `${threadId}.${format === 'json' ? 'json' : 'md'}`, content: '' }),
    'images.attach': ({ name, data, detail }) => {
      const bytes = data as Uint8Array;
      const sha256 = fakeSha(bytes);
      const { width, height } = imageSize(bytes);
      const ref: ImageRef = { sha256, name, mime: 'image/png', width, height, detail: detail ?? 'high' };
      images.set(sha256, { ref, bytes });
      return ok({ image: ref, plan: fakePlan(width, height, ref.detail) });
    },
    'images.plan': ({ sha256, detail }) => {
      const stored = images.get(sha256);
      if (!stored) return err('NOT_FOUND', 'No such image.');
      return ok(fakePlan(stored.ref.width, stored.ref.height, detail));
    },
    'images.get': ({ sha256 }) => {
      const stored = images.get(sha256);
      return stored ? ok(stored.bytes) : err('NOT_FOUND', 'No such image.');
    },
    'chat.estimate': ({ threadId, content }) => {
      let tokens = 0;
      for (const m of messages.values()) if (m.threadId === threadId) tokens += 40;
      for (const part of content) {
        if (part.type === 'text') tokens += Math.ceil(part.text.length / 4);
        else {
          const stored = images.get(part.image.sha256);
          if (stored) tokens += fakePlan(stored.ref.width, stored.ref.height, part.image.detail).promptTokens;
        }
      }
      const contextLength = models[0]?.contextLength ?? 2048;
      return ok({ promptTokens: tokens, contextLength, fits: tokens <= contextLength });
    },
    'chat.send': ({ threadId, parentId, content }) => {
      if (!threads.has(threadId)) return err('NOT_FOUND', 'No such thread.');
      const parts = toParts(content);
      if (!parts.ok) return parts;
      const userMessage = addMessage(threadId, parentId, 'user', parts.value);
      const assistantMessage = addMessage(threadId, userMessage.id, 'assistant', [
        { type: 'text', text: '' },
      ]);
      startAnswer(assistantMessage);
      return ok({ userMessage, assistantMessage });
    },
    'chat.regenerate': ({ messageId }) => {
      const old = messages.get(messageId);
      if (!old) return err('NOT_FOUND', 'No such message.');
      const assistantMessage = addMessage(old.threadId, old.parentId, 'assistant', [
        { type: 'text', text: '' },
      ]);
      startAnswer(assistantMessage);
      return ok({ assistantMessage });
    },
    'chat.edit': ({ messageId, content }) => {
      const old = messages.get(messageId);
      if (!old) return err('NOT_FOUND', 'No such message.');
      const parts = toParts(content);
      if (!parts.ok) return parts;
      const userMessage = addMessage(old.threadId, old.parentId, 'user', parts.value);
      const assistantMessage = addMessage(old.threadId, userMessage.id, 'assistant', [
        { type: 'text', text: '' },
      ]);
      startAnswer(assistantMessage);
      return ok({ userMessage, assistantMessage });
    },
    'chat.stop': ({ messageId }) => {
      const streaming = messages.get(messageId)?.status === 'streaming';
      finish(messageId, 'stopped');
      return ok(streaming);
    },
    'chat.retry': ({ messageId }) => {
      const old = messages.get(messageId);
      if (!old) return err('NOT_FOUND', 'No such message.');
      const assistantMessage: Message = {
        ...old,
        status: 'streaming',
        parts: [{ type: 'text', text: '' }],
        error: null,
        stats: null,
      };
      messages.set(messageId, assistantMessage);
      startAnswer(assistantMessage);
      return ok({ assistantMessage });
    },
    'models.list': () => ok(models),
    'models.delete': ({ id: modelId }) => {
      const at = models.findIndex((m) => m.id === modelId);
      const model = models[at];
      if (!model) return err('NOT_FOUND', 'No such model.');
      if (!model.removable)
        return err('BAD_REQUEST', 'Tessera did not download this model; remove its folder yourself.');
      models.splice(at, 1);
      if (settings.activeModelId === modelId) settings.activeModelId = models[0]?.id ?? null;
      if (models.length === 0)
        emit('engine.status', (engine = { ...engine, state: 'stopped', modelId: null }));
      emit('models.changed', {});
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
      emit('models.changed', {});
      return ok(model);
    },
    'catalog.get': () => ok(catalogView()),
    'downloads.list': () => ok([...downloads.values()].sort((a, b) => a.createdAt - b.createdAt)),
    'downloads.start': ({ repo, revision, variant }) => {
      const entry = catalogEntry(repo);
      if (entry && !entry.supported)
        return err('MODEL_UNSUPPORTED', entry.unsupportedReason ?? 'Tessera cannot run this model yet.');
      const chosen = variant ?? entry?.defaultVariant ?? 'q4';
      // Like the services: the job already queued, running or paused is answered; a failed one resumes.
      const same = [...downloads.values()].find(
        (j) =>
          j.repo.toLowerCase() === repo.toLowerCase() &&
          j.variant === chosen &&
          (j.state === 'queued' || j.state === 'downloading' || j.state === 'paused' || j.state === 'failed'),
      );
      if (same?.state === 'failed') {
        const resumed = saveJob({ ...same, state: 'queued', error: null });
        ensureDownloadTimer();
        return ok(resumed);
      }
      if (same) return ok(same);
      const files = filesFor(repo, chosen);
      if (!files) return err('HUB_ERROR', `${repo} has no ${chosen} variant.`);
      const now = tick();
      const job = saveJob({
        id: id('dl'),
        repo: entry?.repo ?? repo,
        revision: revision ?? 'main',
        variant: chosen,
        commit: null,
        state: 'queued',
        bytes: 0,
        total: files.reduce((sum, f) => sum + f.total, 0),
        bytesPerSecond: 0,
        etaSeconds: null,
        files,
        error: null,
        createdAt: now,
        updatedAt: now,
        modelId: null,
      });
      ensureDownloadTimer();
      return ok(job);
    },
    'downloads.pause': ({ id: jobId }) => {
      const job = downloads.get(jobId);
      if (!job) return err('NOT_FOUND', 'No such download.');
      if (job.state !== 'queued' && job.state !== 'downloading')
        return err('BAD_REQUEST', `The download is ${job.state}; only a running download can pause.`);
      return ok(saveJob({ ...job, state: 'paused', bytesPerSecond: 0, etaSeconds: null }));
    },
    'downloads.resume': ({ id: jobId }) => {
      const job = downloads.get(jobId);
      if (!job) return err('NOT_FOUND', 'No such download.');
      if (job.state !== 'paused' && job.state !== 'failed')
        return err('BAD_REQUEST', `The download is ${job.state}; only a paused download can resume.`);
      const resumed = saveJob({ ...job, state: 'queued', error: null });
      ensureDownloadTimer();
      return ok(resumed);
    },
    'downloads.cancel': ({ id: jobId }) => {
      const job = downloads.get(jobId);
      if (!job) return err('NOT_FOUND', 'No such download.');
      if (job.state === 'done') return err('BAD_REQUEST', 'The download has finished.');
      return ok(
        saveJob({
          ...job,
          state: 'cancelled',
          bytes: 0,
          files: job.files.map((f) => ({ ...f, bytes: 0, done: false })),
          bytesPerSecond: 0,
          etaSeconds: null,
        }),
      );
    },
    'downloads.clear': () => {
      for (const job of [...downloads.values()])
        if (job.state === 'done' || job.state === 'failed' || job.state === 'cancelled')
          downloads.delete(job.id);
      return ok([...downloads.values()]);
    },
    'hub.configure': ({ endpoint, token }) => {
      if (endpoint !== undefined) {
        hub.endpoint = endpoint ?? DEFAULT_ENDPOINT;
        hub.endpointSource = endpoint === null ? 'default' : 'setting';
      }
      if (token !== undefined) hub.hasToken = token !== null;
      return ok({ ...hub });
    },
    'settings.get': () => ok(settings),
    'settings.update': (patch) => {
      if (patch.activeModelId !== undefined) settings.activeModelId = patch.activeModelId;
      if (patch.device) settings.device = patch.device;
      if (patch.theme) settings.theme = patch.theme;
      if (patch.systemPrompt !== undefined) settings.systemPrompt = patch.systemPrompt;
      if (patch.sampling) settings.sampling = { ...settings.sampling, ...patch.sampling };
      return ok({ ...settings, sampling: { ...settings.sampling } });
    },
    'engine.status': () => ok(engine),
  };

  const api: Record<string, unknown> = {
    on(event: string, listener: (payload: unknown) => void) {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(listener);
      return () => set.delete(listener);
    },
  };
  for (const name of Object.keys(defaults) as RequestName[]) {
    api[name] = async (input: unknown) => {
      calls.push({ name, input });
      const handler = (options.handlers?.[name] ?? defaults[name]) as (input: unknown) => unknown;
      // Copies both ways, like a real transport: no object is shared between the two sides.
      return structuredClone(await handler(structuredClone(input)));
    };
  }

  return {
    api: api as Api,
    calls,
    emit,
    threads,
    messages,
    images,
    settings,
    models,
    downloads,
    hub,
    advanceDownload,
    failDownload,
    completeDownload,
  };
}

/** Seeds a few threads with questions and answers (the demo page and UI tests). */
export async function seedFake(fake: FakeApi, count = 3): Promise<void> {
  const { api } = fake;
  for (let i = 0; i < count; i++) {
    const created = await api['threads.create']({ title: `Thread ${i + 1}` });
    if (!created.ok) continue;
    if (i === count - 1) {
      const sent = await api['chat.send']({
        threadId: created.value.id,
        parentId: null,
        content: [{ type: 'text', text: 'What does this error mean?' }],
      });
      if (sent.ok) {
        const answer = sent.value.assistantMessage;
        fake.messages.set(answer.id, { ...answer, parts: [{ type: 'text', text: ANSWER }] });
        await api['chat.stop']({ messageId: answer.id });
        const done = fake.messages.get(answer.id);
        if (done) fake.messages.set(answer.id, { ...done, status: 'complete' });
      }
    }
  }
}
