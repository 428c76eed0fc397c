/**
 * The one contract between the renderer and the main-process services. Every request and every event is
 * declared here once, as zod schemas; both transports (Electron IPC, and the WebSocket of `tessera serve`)
 * validate incoming payloads against it, and the renderer's API is typed from it.
 */
import { z } from 'zod';
import { detailSchema, samplingSchema } from '../chat.ts';
import type { GenerationStats } from '../chat.ts';
import type { Detail, TilePlan } from '../tile-plan.ts';

const id = z.string().min(1).max(100);
/** Image bytes accepted over IPC: 40 MiB is far above any screenshot and keeps a bad paste bounded. */
export const MAX_ATTACHMENT_BYTES = 40 * 1024 * 1024;

// ---------------------------------------------------------------------------------------------------------
// Domain types (plain data, shared by both sides)

export interface Thread {
  id: string;
  title: string;
  createdAt: number;
  updatedAt: number;
  /** The leaf of the branch shown; the conversation is the path from the root to it. */
  currentLeafId: string | null;
  /** Per-thread overrides; null = use the settings' defaults. */
  modelId: string | null;
  systemPrompt: string | null;
  temperature: number | null;
}

export interface ThreadSummary {
  id: string;
  title: string;
  updatedAt: number;
  /** For search results: a short excerpt around the match. */
  snippet: string | null;
}

export interface ImageRef {
  sha256: string;
  name: string;
  mime: string;
  width: number;
  height: number;
  detail: Detail;
}

export type MessagePart = { type: 'text'; text: string } | { type: 'image'; image: ImageRef };

export type MessageStatus = 'complete' | 'streaming' | 'stopped' | 'interrupted' | 'failed';

export interface Message {
  id: string;
  threadId: string;
  /** null for the first message of a thread. Siblings (same parent) are alternative versions. */
  parentId: string | null;
  role: 'user' | 'assistant';
  parts: MessagePart[];
  status: MessageStatus;
  createdAt: number;
  /** Answers only. */
  stats: GenerationStats | null;
  error: { code: string; message: string } | null;
}

export interface ThreadDetail {
  thread: Thread;
  /** Every message of the thread's tree, oldest first. */
  messages: Message[];
}

export interface ModelEntry {
  id: string;
  name: string;
  dir: string;
  family: string;
  contextLength: number;
}

export type Theme = 'system' | 'light' | 'dark';
export type DeviceSetting = 'auto' | 'gpu' | 'cpu';

export interface Settings {
  activeModelId: string | null;
  device: DeviceSetting;
  theme: Theme;
  sampling: { temperature: number; maxTokens: number; topP: number };
  systemPrompt: string;
}

export type EngineState = 'stopped' | 'starting' | 'ready' | 'busy' | 'crashed' | 'restarting';

export interface EngineStatus {
  state: EngineState;
  modelId: string | null;
  /** Provider and dtype per graph, once a model is loaded. */
  providers: GenerationStats['providers'] | null;
  error: { code: string; message: string } | null;
  restarts: number;
}

export interface AttachResult {
  image: ImageRef;
  /** The active model's tile plan for the image at its detail. */
  plan: TilePlan;
}

export interface TokenEstimate {
  promptTokens: number;
  contextLength: number;
  fits: boolean;
}

// ---------------------------------------------------------------------------------------------------------
// Requests: renderer → main, answered once.

const imageInput = z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/), detail: detailSchema });
const partInput = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text'), text: z.string().max(200_000) }),
  z.object({ type: z.literal('image'), image: imageInput }),
]);
export const contentSchema = z.array(partInput).min(1).max(64);

export const requests = {
  'threads.list': {
    input: z.object({
      query: z.string().max(500).optional(),
      limit: z.number().int().min(1).max(10_000).optional(),
    }),
    output: z.custom<ThreadSummary[]>(),
  },
  'threads.create': {
    input: z.object({ title: z.string().max(200).optional() }),
    output: z.custom<Thread>(),
  },
  'threads.get': { input: z.object({ id }), output: z.custom<ThreadDetail>() },
  'threads.rename': {
    input: z.object({ id, title: z.string().min(1).max(200) }),
    output: z.custom<Thread>(),
  },
  'threads.update': {
    input: z.object({
      id,
      modelId: id.nullable().optional(),
      systemPrompt: z.string().max(20_000).nullable().optional(),
      temperature: z.number().min(0).max(2).nullable().optional(),
    }),
    output: z.custom<Thread>(),
  },
  /** Soft delete: `threads.restore` undoes it until the app quits. */
  'threads.delete': { input: z.object({ id }), output: z.custom<{ id: string }>() },
  'threads.restore': { input: z.object({ id }), output: z.custom<Thread>() },
  /** Shows another version of a message: the branch through `messageId`, down to its newest leaf. */
  'threads.selectBranch': { input: z.object({ threadId: id, messageId: id }), output: z.custom<Thread>() },
  'threads.export': {
    input: z.object({ id, format: z.enum(['markdown', 'json']) }),
    output: z.custom<{ filename: string; content: string }>(),
  },
  /** Stores an image and starts encoding it for the active model at once. */
  'images.attach': {
    input: z.object({
      name: z.string().min(1).max(300),
      data: z.custom<Uint8Array>((v) => v instanceof Uint8Array && v.byteLength <= MAX_ATTACHMENT_BYTES, {
        message: `expected image bytes of at most ${MAX_ATTACHMENT_BYTES / 1024 / 1024} MiB`,
      }),
      detail: detailSchema.optional(),
    }),
    output: z.custom<AttachResult>(),
  },
  'images.plan': { input: imageInput, output: z.custom<TilePlan>() },
  /** Bytes of a stored image, for showing it (the renderer makes a blob: URL). */
  'images.get': { input: z.object({ sha256: imageInput.shape.sha256 }), output: z.custom<Uint8Array>() },
  'chat.estimate': {
    input: z.object({ threadId: id, parentId: id.nullable(), content: contentSchema }),
    output: z.custom<TokenEstimate>(),
  },
  /** Adds a user message under `parentId` (null: at the root) and starts its answer. */
  'chat.send': {
    input: z.object({ threadId: id, parentId: id.nullable(), content: contentSchema }),
    output: z.custom<{ userMessage: Message; assistantMessage: Message }>(),
  },
  /** A new version of an answer, beside the old one. */
  'chat.regenerate': {
    input: z.object({ messageId: id }),
    output: z.custom<{ assistantMessage: Message }>(),
  },
  /** A new version of a question, beside the old one, and its answer. */
  'chat.edit': {
    input: z.object({ messageId: id, content: contentSchema }),
    output: z.custom<{ userMessage: Message; assistantMessage: Message }>(),
  },
  'chat.stop': { input: z.object({ messageId: id }), output: z.custom<boolean>() },
  /** Retries an answer that failed or was interrupted, in place. */
  'chat.retry': { input: z.object({ messageId: id }), output: z.custom<{ assistantMessage: Message }>() },
  'models.list': { input: z.object({}), output: z.custom<ModelEntry[]>() },
  'settings.get': { input: z.object({}), output: z.custom<Settings>() },
  'settings.update': {
    input: z.object({
      activeModelId: id.nullable().optional(),
      device: z.enum(['auto', 'gpu', 'cpu']).optional(),
      theme: z.enum(['system', 'light', 'dark']).optional(),
      sampling: samplingSchema.pick({ temperature: true, maxTokens: true, topP: true }).partial().optional(),
      systemPrompt: z.string().max(20_000).optional(),
    }),
    output: z.custom<Settings>(),
  },
  'engine.status': { input: z.object({}), output: z.custom<EngineStatus>() },
} as const;

// ---------------------------------------------------------------------------------------------------------
// Events: main → renderer, pushed.

export interface Events {
  /** Streamed answer text. */
  'answer.delta': { messageId: string; text: string };
  /** The answer's final state (complete, stopped, failed…), with its stats. */
  'answer.done': { message: Message };
  'engine.status': EngineStatus;
  'threads.changed': { threadId: string };
}

export type RequestName = keyof typeof requests;
export type RequestInput<K extends RequestName> = z.input<(typeof requests)[K]['input']>;
export type RequestOutput<K extends RequestName> = z.infer<(typeof requests)[K]['output']>;
export type EventName = keyof Events;

export const REQUEST_NAMES = Object.keys(requests) as RequestName[];
export const EVENT_NAMES: readonly EventName[] = [
  'answer.delta',
  'answer.done',
  'engine.status',
  'threads.changed',
];

// ---------------------------------------------------------------------------------------------------------
// Result envelope: errors cross the boundary as codes the UI can act on, never as thrown exceptions.

export type ErrorCode =
  | 'BAD_REQUEST'
  | 'NOT_FOUND'
  | 'NO_MODEL'
  | 'ENGINE_CRASHED'
  | 'IMAGE_INVALID'
  | 'IMAGE_TOO_LARGE'
  | 'PROMPT_TOO_LONG'
  | 'BUSY'
  | 'INTERNAL'
  | (string & {});

export type Result<T> = { ok: true; value: T } | { ok: false; error: { code: ErrorCode; message: string } };

/** The main-process side: one handler per request. */
export type Handlers = {
  [K in RequestName]: (input: z.infer<(typeof requests)[K]['input']>) => Promise<RequestOutput<K>>;
};

/** The renderer side: one function per request, and event subscription. Transport-independent. */
export type Api = { [K in RequestName]: (input: RequestInput<K>) => Promise<Result<RequestOutput<K>>> } & {
  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void;
};

/** Validates a request against the contract: the receiving side calls this before any handler runs. */
export function parseRequest(name: string, input: unknown): Result<{ name: RequestName; input: unknown }> {
  if (!Object.hasOwn(requests, name))
    return { ok: false, error: { code: 'BAD_REQUEST', message: `Unknown request "${name}".` } };
  const parsed = requests[name as RequestName].input.safeParse(input);
  if (!parsed.success) {
    const detail = parsed.error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; ');
    return { ok: false, error: { code: 'BAD_REQUEST', message: `Invalid ${name} request: ${detail}` } };
  }
  return { ok: true, value: { name: name as RequestName, input: parsed.data } };
}
