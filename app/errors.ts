/**
 * The one error vocabulary: every code any layer produces (engine, services, downloads, store, CLI, the
 * renderer's transport), and the one error class that carries it. Codes cross every boundary unchanged;
 * messages say what was wrong and what to do. Adding a code here makes the renderer's table of texts
 * (renderer/lib/errors.ts) fail to compile until the code has one.
 */
export const ERROR_CODES = [
  // ---- requests
  /** A request or its input is malformed, or asks for something that cannot be done (a bad source, path…). */
  'BAD_REQUEST',
  /** A thread, message, model, download or folder the request names does not exist (any more). */
  'NOT_FOUND',
  /** The store refused a change to a record in another state (text for an answer no longer streaming). */
  'CONFLICT',
  /** Something else holds what the request needs (a download into the folder of the model to delete). */
  'BUSY',
  /** A page other than Tessera's own used the Electron bridge (main/electron/ipc.ts). */
  'FORBIDDEN',
  /** The CLI was given bad arguments: it prints the reason and exits 2. Never sent over the wire. */
  'USAGE',

  // ---- models
  /** No model is selected, or none is in the model folders. */
  'NO_MODEL',
  /** A file the model needs is not in its folder (or the folder itself is gone). */
  'MODEL_FILE_MISSING',
  /** A model file is there but unreadable: bad JSON, over its size cap, a Git LFS pointer, not a regular file. */
  'MODEL_FILE_CORRUPT',
  /** Tessera cannot run this model: its type, its layout (no ONNX graphs, no complete variant) or its config. */
  'MODEL_UNSUPPORTED',
  /** An ONNX graph's inputs, outputs or tensor types are not what the model's family expects. */
  'MODEL_GRAPH_MISMATCH',
  /** The engine was asked to generate before a model was loaded into it. */
  'MODEL_NOT_LOADED',
  /** A model whose own files made the engine hang; not loaded again until they change. */
  'MODEL_UNUSABLE',

  // ---- input
  /** An attachment is not an image Tessera can decode. */
  'IMAGE_INVALID',
  /** The engine was sent an image by its hash but no longer holds its bytes (the caller sends them again). */
  'IMAGE_NOT_HELD',
  /** An image is over the attachment cap, in bytes or pixels. */
  'IMAGE_TOO_LARGE',
  /** The conversation with its images does not fit the model's context window. */
  'PROMPT_TOO_LONG',
  /** The prompt's image placeholders do not match the images' tokens (a chat template or config problem). */
  'IMAGE_TOKEN_MISMATCH',

  // ---- the engine
  /** The device asked for (WebGPU, CUDA…) cannot run the model here. */
  'DEVICE_UNAVAILABLE',
  /** Work was stopped by its caller before it finished. */
  'ABORTED',
  /** The engine process exited unexpectedly; it is restarted with backoff. */
  'ENGINE_CRASHED',
  /** The engine's watchdog stopped it: a stage ran past its deadline (models/engine/watchdog.ts). */
  'ENGINE_HUNG',

  // ---- downloads
  /** Not enough free disk space for a download. */
  'DISK_FULL',
  /** The Hub refused or could not answer (bad repo id, 401/403/404, a bad listing, retries used up). */
  'HUB_ERROR',
  /** A download stopped for another reason (network, files); resuming it tries again. */
  'DOWNLOAD_FAILED',

  // ---- remote servers (main/remote/)
  /** A remote OpenAI-compatible server could not be reached (refused, no such host, no answer in time). */
  'REMOTE_UNREACHABLE',
  /** A remote server refused the request: a wrong API key (401/403), an unknown model, a bad request. */
  'REMOTE_REFUSED',
  /** A remote server is overloaded (429, 5xx) and asked to wait longer than Tessera waits, or kept failing. */
  'REMOTE_BUSY',
  /** A remote server's answer broke off mid-stream (a dropped connection, a malformed event, a stall). */
  'REMOTE_STREAM_BROKEN',

  // ---- the renderer's transport
  /** The WebSocket to `tessera serve` closed before the answer came (renderer/api/websocket-transport.ts). */
  'DISCONNECTED',

  /** Anything not foreseen: a bug, or a failure with no better code. Logged where it is caught. */
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** An error as it crosses a boundary (a Result envelope, a stored answer or download, engine status). */
export interface WireError {
  code: ErrorCode;
  message: string;
}

export interface TesseraErrorOptions {
  cause?: unknown;
  /** The same call may succeed if made again unchanged (a network error, a 5xx, a stalled transfer). */
  retryable?: boolean;
  /** With `retryable`: the server said how long to wait (`Retry-After`). */
  retryAfterMs?: number;
}

/** The one error class: a code the UI and CLI act on, a message for people, and whether to try again. */
export class TesseraError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly retryAfterMs: number | undefined;

  constructor(code: ErrorCode, message: string, options: TesseraErrorOptions = {}) {
    super(message, 'cause' in options ? { cause: options.cause } : undefined);
    this.name = 'TesseraError';
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.retryAfterMs = options.retryAfterMs;
  }
}

export function isTesseraError(error: unknown): error is TesseraError {
  return error instanceof TesseraError;
}

/** Whether `error` is a TesseraError with one of `codes`. */
export function hasCode(error: unknown, ...codes: ErrorCode[]): error is TesseraError {
  return error instanceof TesseraError && codes.includes(error.code);
}
