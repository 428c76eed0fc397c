/** Error codes a caller (CLI, desktop UI) can act on. Messages say what was wrong and what to do. */
export type ErrorCode =
  | 'MODEL_FILE_MISSING'
  | 'MODEL_FILE_CORRUPT'
  | 'MODEL_UNSUPPORTED'
  | 'MODEL_GRAPH_MISMATCH'
  | 'MODEL_NOT_LOADED'
  | 'IMAGE_INVALID'
  | 'IMAGE_TOO_LARGE'
  | 'PROMPT_TOO_LONG'
  | 'IMAGE_TOKEN_MISMATCH'
  | 'DEVICE_UNAVAILABLE'
  | 'ABORTED'
  | 'ENGINE_CRASHED'
  | 'ENGINE_HUNG'
  | 'MODEL_UNUSABLE'
  | 'BAD_REQUEST'
  | 'INTERNAL';

export class TesseraError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TesseraError';
    this.code = code;
  }
}

export function isTesseraError(error: unknown): error is TesseraError {
  return error instanceof TesseraError;
}
