/**
 * The one contract between the renderer and the main-process services. Every request and every event is
 * declared here once, as zod schemas; both transports (Electron IPC, and the WebSocket of `tessera serve`)
 * validate incoming payloads against it, and the renderer's API is typed from it.
 */
import { z } from 'zod';
import { MAX_VIDEO_FRAMES, detailSchema, samplingSchema } from '../chat.ts';
import type { GenerationStats, TokenConfidence } from '../chat.ts';
import type { CatalogEntry } from '../catalog.ts';
import type { Detail, TilePlan } from '../tile-plan.ts';
import type { VideoPlan, VideoSampling, VideoSource } from '../video-plan.ts';
import type { WireError } from '../errors.ts';
import type { RemoteModelRef, RemoteServerView } from '../remote.ts';

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
  topP: number | null;
  maxTokens: number | null;
  contextOverflow: ContextOverflow | null;
  /**
   * Images before the newest question go to the model at Low detail (each keeps its own detail in the
   * history): what the user chose when the conversation no longer fit (main/services/earlier-images.ts).
   */
  earlierImagesLow: boolean;
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

/**
 * A video in a message: its sampled frames, stored as PNG images at the planned size (the renderer decoded
 * them; history and exports show them), and the clip's facts and sampling, from which the engine plans the
 * same frames again (VideoPlanResult).
 */
export interface VideoRef {
  name: string;
  source: VideoSource;
  sampling: VideoSampling;
  /** The trim: seconds into the file where the part sent starts. */
  start: number;
  /** Seconds of the part sent. */
  durationSeconds: number;
  /** The sampled frames in plan order, each with its time in the file. */
  frames: Array<{ sha256: string; seconds: number }>;
}

export type MessagePart =
  { type: 'text'; text: string } | { type: 'image'; image: ImageRef } | { type: 'video'; video: VideoRef };

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
  error: WireError | null;
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
  /** Where it was downloaded from (Tessera's manifest), or null for a folder the user added. */
  source: { repo: string; commit: string; variant: string | null } | null;
  /** Size on disk. */
  bytes: number;
  /** Whether `models.delete` may remove it: only models Tessera downloaded into its models folder. */
  removable: boolean;
  /** A model on a remote OpenAI-compatible server (its `dir` is empty, its id `remote:…`). */
  remote?: RemoteModelRef;
  /**
   * Why this model cannot run now, in one line that says what to do (a Git LFS pointer instead of a graph, a
   * config Tessera cannot use, …); absent when nothing is known to be wrong. Such a model is never the default.
   */
  problem?: string;
}

export type DownloadState = 'queued' | 'downloading' | 'paused' | 'failed' | 'done' | 'cancelled';

export interface DownloadFile {
  path: string;
  bytes: number;
  total: number;
  done: boolean;
}

/** One model download; the same object is pushed as `downloads.progress` while it runs. */
export interface DownloadJob {
  id: string;
  repo: string;
  revision: string;
  variant: string;
  /** The commit the revision was pinned to, once known. */
  commit: string | null;
  state: DownloadState;
  bytes: number;
  /** 0 until the file list is known. */
  total: number;
  bytesPerSecond: number;
  etaSeconds: number | null;
  files: DownloadFile[];
  error: WireError | null;
  createdAt: number;
  updatedAt: number;
  /** The installed model, once done. */
  modelId: string | null;
}

export interface HubSettings {
  endpoint: string;
  /** Where the endpoint comes from: the setting, HF_ENDPOINT, a command-line flag, or the default. */
  endpointSource: 'setting' | 'env' | 'flag' | 'default';
  /** A token is stored (encrypted with the OS keychain); the token itself never reaches the renderer. */
  hasToken: boolean;
}

export interface CatalogView {
  entries: CatalogEntry[];
  memory: { totalBytes: number; availableBytes: number };
  /** Where downloads go, and the free space there (null when it cannot be read). */
  modelsDir: string;
  freeDiskBytes: number | null;
  hub: HubSettings;
}

/** What Tessera found in a Hub repo or a local folder, and whether it can run it. */
export interface Inspection {
  source: string;
  kind: 'repo' | 'folder';
  runnable: boolean;
  modelType: string | null;
  family: string | null;
  /** Dtypes with every graph the family needs; `complete` is false when some graph is missing. */
  variants: { id: string; files: string[]; bytes: number | null; complete: boolean }[];
  /** Why it cannot run (empty when runnable). */
  problems: string[];
}

export type Theme = 'system' | 'light' | 'dark';
export type DeviceSetting = 'auto' | 'gpu' | 'cpu';

/** What happens when a conversation no longer fits the context window (main/services/context-fit.ts). */
export const CONTEXT_OVERFLOW = ['stop', 'drop-oldest', 'drop-middle'] as const;
export type ContextOverflow = (typeof CONTEXT_OVERFLOW)[number];

/**
 * A named set of a thread's generation settings (LM Studio and Chatbox call them presets): applying one sets
 * the thread's own values; a field left null keeps the default.
 */
export interface Preset {
  name: string;
  systemPrompt: string | null;
  temperature: number | null;
  topP: number | null;
  maxTokens: number | null;
  contextOverflow: ContextOverflow | null;
}

export const presetSchema = z.object({
  name: z.string().trim().min(1).max(80),
  systemPrompt: z.string().max(20_000).nullable(),
  temperature: z.number().min(0).max(2).nullable(),
  topP: z.number().min(0.01).max(1).nullable(),
  maxTokens: z.number().int().min(1).max(1_000_000).nullable(),
  contextOverflow: z.enum(CONTEXT_OVERFLOW).nullable(),
});

export interface Settings {
  activeModelId: string | null;
  device: DeviceSetting;
  theme: Theme;
  sampling: { temperature: number; maxTokens: number; topP: number };
  systemPrompt: string;
  /** When a conversation no longer fits: stop and say so, or leave out earlier turns. */
  contextOverflow: ContextOverflow;
  /** Named presets of a thread's settings, in the order they were saved; names are unique. */
  presets: Preset[];
  /**
   * A new image (pasted, dropped, picked, captured) opens in the Redact dialog before it is attached, so
   * only what the user chooses (the redacted image, or the original as is) is ever stored.
   */
  redactBeforeAttach: boolean;
}

export type EngineState = 'stopped' | 'starting' | 'ready' | 'busy' | 'crashed' | 'restarting';

export interface EngineStatus {
  state: EngineState;
  modelId: string | null;
  /** Provider and dtype per graph, once a model is loaded. */
  providers: GenerationStats['providers'] | null;
  error: WireError | null;
  restarts: number;
}

/** The OpenAI-compatible API server's settings (Settings → Local API server; main/api/). */
export interface ApiServerSettings {
  enabled: boolean;
  port: number;
  /** Listen on every network interface instead of this machine only. */
  allowNetwork: boolean;
  /** The one web origin allowed to call it from a browser (CORS); empty: none. */
  corsOrigin: string;
  /** Fetch http(s) image URLs in requests (off: only data: URLs, so the server never fetches addresses). */
  fetchImageUrls: boolean;
}

export const DEFAULT_API_PORT = 4891;

export const apiServerSettingsSchema = z.object({
  enabled: z.boolean(),
  port: z.number().int().min(1).max(65_535),
  allowNetwork: z.boolean(),
  corsOrigin: z.union([z.literal(''), z.url({ protocol: /^https?$/ }).max(300)]),
  fetchImageUrls: z.boolean(),
});

export interface ApiServerStatus {
  settings: ApiServerSettings;
  /** `listening`: serving at `url`; `failed`: could not listen (`error` says why, e.g. the port is in use). */
  state: 'off' | 'listening' | 'failed';
  /** The base URL clients use (`http://127.0.0.1:PORT/v1`) while listening. */
  url: string | null;
  /** Where other devices reach it (this machine's network addresses), while it listens beyond loopback. */
  networkUrls: string[];
  /** The bearer key every request must carry. */
  key: string;
  /** Where the key comes from: the stored one, or TESSERA_API_KEY (then it cannot be regenerated here). */
  keySource: 'stored' | 'env';
  error: string | null;
  /** API requests generating now (0 or 1) and waiting behind it and the app's answers. */
  running: number;
  waiting: number;
}

export interface AttachResult {
  image: ImageRef;
  /** The active model's tile plan for the image at its detail; null for a remote model of unknown family. */
  plan: TilePlan | null;
}

/**
 * A clip's plan and the facts it was made from: the renderer decodes the planned frames and sends these same
 * facts in the video part, so the engine's plan is this one. The browser does not tell a clip's frame rate,
 * so the clip is described at NOMINAL_VIDEO_FRAME_RATE; a frame's time is what the renderer seeks to.
 */
export interface VideoPlanResult {
  source: VideoSource;
  sampling: VideoSampling;
  plan: VideoPlan;
}

/** The frame rate a clip measured in the browser is described at (its real rate is not exposed). */
export const NOMINAL_VIDEO_FRAME_RATE = 30;

/** A thread's unsent question, kept so a reload or a crash does not lose it. */
export interface Draft {
  text: string;
  /** Already in the image store (attached), in the composer's order, each with its detail. */
  images: ImageRef[];
  /** Videos in the composer: their frames are stored images (a draft keeps them referenced), in order. */
  videos: DraftVideo[];
  /** Names of drafted videos left out because a frame is no longer stored (the composer says so). */
  droppedVideos: string[];
  updatedAt: number;
}

/** A drafted video: its video part, and the whole clip's length (the card shows the trim against it). */
export interface DraftVideo extends VideoRef {
  clipSeconds: number;
}

/** What a draft may hold: a question's bounds (contentSchema's). */
export const MAX_DRAFT_TEXT = 200_000;
export const MAX_DRAFT_IMAGES = 64;
export const MAX_DRAFT_VIDEOS = 8;

export interface TokenEstimate {
  promptTokens: number;
  contextLength: number;
  fits: boolean;
  /**
   * True when the engine counted with the model's tokenizer and chat template (the count a send will
   * meet); false for the quick estimate used while the engine has not loaded that model.
   */
  exact: boolean;
  /**
   * Why the count is unknown (a remote model whose family Tessera does not know, so its images' cost cannot
   * be planned): then `promptTokens` counts nothing and the meter says so instead of guessing.
   */
  unknown?: string;
  /**
   * Only when the prompt does not fit and earlier images could go at Low detail: the prompt counted that
   * way (as exactly as `promptTokens`), so the UI offers it only where it would make the prompt fit.
   */
  earlierAtLow?: { promptTokens: number; fits: boolean };
}

// ---------------------------------------------------------------------------------------------------------
// Requests: renderer → main, answered once.

const imageInput = z.object({ sha256: z.string().regex(/^[0-9a-f]{64}$/), detail: detailSchema });
const sha256 = z.string().regex(/^[0-9a-f]{64}$/);
const seconds = z.number().min(0).max(86_400);
const videoInput = z.object({
  name: z.string().min(1).max(300),
  source: z.object({
    size: z.object({
      width: z.number().int().positive().max(16384),
      height: z.number().int().positive().max(16384),
    }),
    totalFrames: z
      .number()
      .int()
      .positive()
      .max(86_400 * 240),
    frameRate: z.number().positive().max(240),
  }),
  sampling: z.object({
    fps: z.number().positive().max(60).optional(),
    maxFrames: z.number().int().positive().max(MAX_VIDEO_FRAMES).optional(),
  }),
  start: seconds,
  durationSeconds: seconds,
  frames: z.array(z.object({ sha256, seconds })).min(1).max(MAX_VIDEO_FRAMES),
});
const partInput = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text'), text: z.string().max(200_000) }),
  z.object({ type: z.literal('image'), image: imageInput }),
  z.object({ type: z.literal('video'), video: videoInput }),
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
      topP: z.number().min(0.01).max(1).nullable().optional(),
      maxTokens: z.number().int().min(1).max(1_000_000).nullable().optional(),
      contextOverflow: z.enum(CONTEXT_OVERFLOW).nullable().optional(),
      earlierImagesLow: z.boolean().optional(),
    }),
    output: z.custom<Thread>(),
  },
  /** Soft delete: `threads.restore` undoes it until the app quits. */
  'threads.delete': { input: z.object({ id }), output: z.custom<{ id: string }>() },
  'threads.restore': { input: z.object({ id }), output: z.custom<Thread>() },
  /** Shows another version of a message: the branch through `messageId`, down to its newest leaf. */
  'threads.selectBranch': { input: z.object({ threadId: id, messageId: id }), output: z.custom<Thread>() },
  'threads.export': {
    input: z.object({ id, format: z.enum(['markdown', 'json', 'html']) }),
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
      /** A video's frame: stored only, not encoded ahead as an image (the engine encodes it with its video). */
      videoFrame: z.boolean().optional(),
    }),
    output: z.custom<AttachResult>(),
  },
  'images.plan': { input: imageInput, output: z.custom<TilePlan>() },
  /** Bytes of a stored image, for showing it (the renderer makes a blob: URL). */
  'images.get': { input: z.object({ sha256: imageInput.shape.sha256 }), output: z.custom<Uint8Array>() },
  /**
   * The active model's plan for a clip the renderer is about to decode (its size and length, and the part kept
   * after trimming): which frames, at what size, for how many tokens. BAD_REQUEST, said for the card, for a
   * model whose family does not read video.
   */
  'videos.plan': {
    input: z.object({
      width: z.number().int().positive().max(16384),
      height: z.number().int().positive().max(16384),
      /** Seconds of the (trimmed) clip; a day at most, so a bogus duration cannot ask for a huge plan. */
      durationSeconds: z.number().positive().max(86_400),
      fps: z.number().positive().max(60).optional(),
      maxFrames: z.number().int().positive().max(MAX_VIDEO_FRAMES).optional(),
    }),
    output: z.custom<VideoPlanResult>(),
  },
  /**
   * Deletes a stored image (its row and its file) that no message and no draft refers to: the original of an
   * attachment replaced before sending (a redaction), so it does not stay on disk. CONFLICT when something
   * still refers to it; NOT_FOUND when it is not stored.
   */
  'images.discard': {
    input: z.object({ sha256: imageInput.shape.sha256 }),
    output: z.custom<{ sha256: string }>(),
  },
  /** The thread's draft, or null when it has none. */
  'drafts.get': { input: z.object({ threadId: id }), output: z.custom<Draft | null>() },
  /** Replaces the thread's draft; nothing in it (no text, image or video) clears it (answer: null). */
  'drafts.save': {
    input: z.object({
      threadId: id,
      text: z.string().max(MAX_DRAFT_TEXT),
      images: z.array(imageInput).max(MAX_DRAFT_IMAGES),
      /** The composer's ready videos (their video parts); left out: none. */
      videos: z
        .array(videoInput.extend({ clipSeconds: seconds }))
        .max(MAX_DRAFT_VIDEOS)
        .optional(),
    }),
    output: z.custom<Draft | null>(),
  },
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
  /**
   * An answer's token probabilities and alternatives (confidence shading), fetched when the user asks for
   * them; null when none were recorded (a remote model, an answer from before, a question).
   */
  'chat.confidence': {
    input: z.object({ messageId: id }),
    output: z.custom<TokenConfidence[] | null>(),
  },
  /** Retries an answer that failed or was interrupted, in place. */
  'chat.retry': { input: z.object({ messageId: id }), output: z.custom<{ assistantMessage: Message }>() },
  'models.list': { input: z.object({}), output: z.custom<ModelEntry[]>() },
  /** Deletes a downloaded model from disk (not a folder the user added). */
  'models.delete': { input: z.object({ id }), output: z.custom<{ id: string }>() },
  /** Looks at a Hub repo id (`OWNER/NAME[@REVISION]`) or a local folder and says whether it can run. */
  'models.inspect': {
    input: z.object({ source: z.string().min(1).max(1000) }),
    output: z.custom<Inspection>(),
  },
  /** Adds a local model folder to the model folders (after inspecting it). */
  'models.addFolder': {
    input: z.object({ dir: z.string().min(1).max(4096) }),
    output: z.custom<ModelEntry>(),
  },
  'catalog.get': { input: z.object({}), output: z.custom<CatalogView>() },
  'downloads.list': { input: z.object({}), output: z.custom<DownloadJob[]>() },
  /** Queues a download; a repo+variant already queued or running is returned, not queued twice. */
  'downloads.start': {
    input: z.object({
      repo: z.string().min(3).max(200),
      revision: z.string().min(1).max(200).optional(),
      variant: z.string().min(1).max(20).optional(),
    }),
    output: z.custom<DownloadJob>(),
  },
  'downloads.pause': { input: z.object({ id }), output: z.custom<DownloadJob>() },
  'downloads.resume': { input: z.object({ id }), output: z.custom<DownloadJob>() },
  /** Stops a download and deletes its partial files. */
  'downloads.cancel': { input: z.object({ id }), output: z.custom<DownloadJob>() },
  /** Removes finished, failed and cancelled downloads from the list. */
  'downloads.clear': { input: z.object({}), output: z.custom<DownloadJob[]>() },
  /** Hub endpoint (null: HF_ENDPOINT or the default) and access token (null: forget it). */
  'hub.configure': {
    input: z.object({
      endpoint: z
        .url({ protocol: /^https?$/ })
        .max(500)
        .nullable()
        .optional(),
      token: z.string().min(1).max(500).nullable().optional(),
    }),
    output: z.custom<HubSettings>(),
  },
  /** The remote OpenAI-compatible servers added (keys never included: `hasKey`). */
  'remote.list': { input: z.object({}), output: z.custom<RemoteServerView[]>() },
  /** Adds a server after listing its `/models` (refused with the reason when it does not answer as an API). */
  'remote.add': {
    input: z.object({
      baseUrl: z.string().trim().min(1).max(500),
      apiKey: z.string().trim().max(1000).nullable().optional(),
      name: z.string().trim().max(200).nullable().optional(),
    }),
    output: z.custom<RemoteServerView>(),
  },
  'remote.remove': { input: z.object({ id }), output: z.custom<{ id: string }>() },
  /**
   * Names the Hub repo (`OWNER/NAME[@REVISION]`) whose configs give a remote model's family, so its tile plan
   * and token cost can be drawn; null forgets it. Answers the model's entry as now listed.
   */
  'remote.setFamilySource': {
    input: z.object({
      modelId: z.string().min(1).max(200),
      repo: z.string().trim().min(3).max(300).nullable(),
    }),
    output: z.custom<ModelEntry>(),
  },
  /** Lists one server's models again (all servers without an id); a failure becomes its `problem`. */
  'remote.refresh': { input: z.object({ id: id.optional() }), output: z.custom<RemoteServerView[]>() },
  /** The local OpenAI-compatible API server: its settings, key, address and queue. */
  'api.status': { input: z.object({}), output: z.custom<ApiServerStatus>() },
  /** Changes its settings; it starts, stops or moves to the new address as they say. */
  'api.configure': { input: apiServerSettingsSchema.partial(), output: z.custom<ApiServerStatus>() },
  /** A new key: the old one stops working at once. */
  'api.regenerateKey': { input: z.object({}), output: z.custom<ApiServerStatus>() },
  'settings.get': { input: z.object({}), output: z.custom<Settings>() },
  'settings.update': {
    input: z.object({
      activeModelId: id.nullable().optional(),
      device: z.enum(['auto', 'gpu', 'cpu']).optional(),
      theme: z.enum(['system', 'light', 'dark']).optional(),
      sampling: samplingSchema.pick({ temperature: true, maxTokens: true, topP: true }).partial().optional(),
      systemPrompt: z.string().max(20_000).optional(),
      contextOverflow: z.enum(CONTEXT_OVERFLOW).optional(),
      presets: z
        .array(presetSchema)
        .max(100)
        .refine(
          (list) => new Set(list.map((p) => p.name)).size === list.length,
          'preset names must be unique',
        )
        .optional(),
      redactBeforeAttach: z.boolean().optional(),
    }),
    output: z.custom<Settings>(),
  },
  'engine.status': { input: z.object({}), output: z.custom<EngineStatus>() },
  /**
   * Screens and windows the desktop app can capture (main/electron/capture.ts), with small thumbnails for
   * the chooser. `tessera serve` answers `browser`: the renderer uses the browser's own picker there.
   */
  'capture.sources': { input: z.object({}), output: z.custom<CaptureSources>() },
  /** One source captured at full size, as PNG; `hideWindow` takes Tessera's own window out of the picture. */
  'capture.take': {
    input: z.object({ sourceId: z.string().min(1).max(200), hideWindow: z.boolean() }),
    output: z.custom<CapturedImage>(),
  },
  /**
   * The desktop app: the screen or window (a capture.sources id) that the page's next getDisplayMedia gets, so
   * a screen recording records what the app's chooser picked. `tessera serve` refuses it: its picker chooses.
   */
  'capture.select': {
    input: z.object({ sourceId: z.string().min(1).max(200) }),
    output: z.custom<Record<string, never>>(),
  },
} as const;

export interface CaptureSource {
  /** desktopCapturer's id ("screen:0:0", "window:1234:0"). */
  id: string;
  name: string;
  kind: 'screen' | 'window';
  /** A small PNG preview for the chooser. */
  thumbnail: Uint8Array;
}

export type CaptureSources =
  | { kind: 'sources'; sources: CaptureSource[] }
  /** The desktop app may not record the screen (macOS Screen Recording); `reason` says where to allow it. */
  | { kind: 'denied'; reason: string }
  /** Not the desktop app: the browser's getDisplayMedia picker is the way. */
  | { kind: 'browser'; reason: string };

export interface CapturedImage {
  name: string;
  png: Uint8Array;
  width: number;
  height: number;
}

// ---------------------------------------------------------------------------------------------------------
// Events: main → renderer, pushed.

export interface Events {
  /** Streamed answer text. */
  'answer.delta': { messageId: string; text: string };
  /** The answer's final state (complete, stopped, failed…), with its stats. */
  'answer.done': { message: Message };
  'engine.status': EngineStatus;
  'threads.changed': { threadId: string };
  /** A download changed state or made progress (throttled to a few per second). */
  'downloads.progress': DownloadJob;
  /** Models were installed or deleted: reload `models.list`. */
  'models.changed': Record<string, never>;
  /** The API server started, stopped or failed, or its queue changed. */
  'api.status': ApiServerStatus;
  /** The desktop app's capture shortcut was pressed: the window opens its capture chooser. */
  'capture.requested': Record<string, never>;
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
  'downloads.progress',
  'models.changed',
  'api.status',
  'capture.requested',
];

// ---------------------------------------------------------------------------------------------------------
// Result envelope: errors cross the boundary as codes the UI can act on, never as thrown exceptions.

// The codes, one closed set with a line on each, are app/errors.ts's.
export type { ErrorCode, WireError } from '../errors.ts';

export type Result<T> = { ok: true; value: T } | { ok: false; error: WireError };

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
