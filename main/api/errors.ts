/**
 * Errors in OpenAI's shape (`{error: {message, type, param, code}}`) with their HTTP status. Clients such as
 * the `openai` SDK read `param` and `code`, so every refusal names the field at fault where there is one.
 */
import { isTesseraError } from '../../models/errors.ts';
import type { ErrorCode } from '../../app/errors.ts';
import type { ErrorBody } from './schemas.ts';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly param: string | null = null,
    readonly code: string | null = null,
    readonly type = status >= 500 ? 'server_error' : 'invalid_request_error',
  ) {
    super(message);
    this.name = 'ApiError';
  }

  body(): ErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

export const invalid = (message: string, param: string | null = null, code: string | null = null) =>
  new ApiError(400, message, param, code);

export const unsupported = (param: string, what: string) =>
  invalid(`${what} is not supported by Tessera's server.`, param, 'unsupported_parameter');

/** Tessera's error codes as HTTP answers: the client's fault is 4xx, the engine's 5xx. */
const STATUS: Partial<Record<ErrorCode, { status: number; code: string }>> = {
  BAD_REQUEST: { status: 400, code: 'invalid_request' },
  IMAGE_INVALID: { status: 400, code: 'invalid_image' },
  IMAGE_TOO_LARGE: { status: 400, code: 'image_too_large' },
  PROMPT_TOO_LONG: { status: 400, code: 'context_length_exceeded' },
  NOT_FOUND: { status: 404, code: 'not_found' },
  NO_MODEL: { status: 404, code: 'model_not_found' },
  ENGINE_CRASHED: { status: 503, code: 'engine_crashed' },
  ENGINE_HUNG: { status: 503, code: 'engine_hung' },
  MODEL_UNUSABLE: { status: 503, code: 'model_unusable' },
  DEVICE_UNAVAILABLE: { status: 503, code: 'device_unavailable' },
};

/** Any failure as an ApiError: Tessera's own by its code, anything else a 500 (the caller logs it). */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (isTesseraError(error)) {
    const mapped = STATUS[error.code] ?? { status: 500, code: error.code.toLowerCase() };
    const param = error.code.startsWith('IMAGE_') ? 'messages' : null;
    return new ApiError(mapped.status, error.message, param, mapped.code);
  }
  return new ApiError(500, 'Tessera failed to answer (an internal error; see its log).', null, 'internal');
}
