/**
 * Every error code, in words a person can act on. The services' own messages already say what was wrong
 * and what to do, so they win; a hint covers an empty message and the cases where the app, not the user,
 * acts (an engine crash is restarted automatically). The table is keyed by the closed ErrorCode, so a new
 * code does not compile until it has its words here.
 */
import type { ErrorCode, WireError } from '../../app/errors.ts';

export interface ErrorText {
  /** Shown when the error has no message (and, for ENGINE_CRASHED, before it). */
  hint: string;
  /**
   * What to do next, for errors a person can fix whose messages say what went wrong but not where to fix
   * it (DISK_FULL messages already say to free space; Hub errors do not point at the token setting).
   */
  advice?: string;
  /** A message that already says what to do: no advice after it. */
  adviceUnless?: RegExp;
}

export const ERROR_TEXTS: Record<ErrorCode, ErrorText> = {
  BAD_REQUEST: { hint: 'Tessera could not do that with what it was given.' },
  NOT_FOUND: { hint: 'That no longer exists (it may have been deleted).' },
  CONFLICT: { hint: 'That changed in the meantime; try again.' },
  BUSY: { hint: 'The engine is busy with another answer.' },
  FORBIDDEN: { hint: 'This page may not use Tessera.' },
  USAGE: { hint: 'The command was given arguments it does not accept.' },
  NO_MODEL: { hint: 'No model is loaded. Choose one in Settings, or start Tessera with --model-dir.' },
  MODEL_FILE_MISSING: { hint: 'A file the model needs is missing from its folder.' },
  MODEL_FILE_CORRUPT: { hint: 'A file of the model cannot be read.' },
  MODEL_UNSUPPORTED: {
    hint: 'Tessera cannot run this model yet.',
    advice: 'Choose a model from the catalog marked as supported.',
    // A missing variant's message ends with the variants there are ("Available: q4, fp32."): one of those.
    adviceUnless: /\bAvailable: /,
  },
  MODEL_GRAPH_MISMATCH: { hint: 'The model’s graphs are not what its family expects.' },
  MODEL_NOT_LOADED: { hint: 'No model is loaded yet.' },
  MODEL_UNUSABLE: { hint: 'This model made the engine hang; it is not loaded again until its files change.' },
  IMAGE_INVALID: { hint: 'This file is not an image Tessera can read.' },
  IMAGE_NOT_HELD: { hint: 'The engine no longer holds this image; send it again.' },
  IMAGE_TOO_LARGE: { hint: 'This image is too large.' },
  PROMPT_TOO_LONG: { hint: 'The conversation no longer fits in the model’s context window.' },
  IMAGE_TOKEN_MISMATCH: { hint: 'The model’s prompt and its images do not match.' },
  DEVICE_UNAVAILABLE: { hint: 'The device chosen to run the model is not available.' },
  ABORTED: { hint: 'Stopped.' },
  ENGINE_CRASHED: { hint: 'The engine stopped unexpectedly and is being restarted. Retry the answer.' },
  ENGINE_HUNG: { hint: 'The engine stopped answering and was restarted.' },
  DISK_FULL: { hint: 'There is not enough free disk space for this model.' },
  HUB_ERROR: {
    hint: 'The model hub could not be reached or refused the request.',
    advice:
      'Check the network, the Hub endpoint and — for a gated or private repo — the access token under Hub access, then retry.',
  },
  DOWNLOAD_FAILED: { hint: 'The download failed. Resume it to try again.' },
  REMOTE_UNREACHABLE: {
    hint: 'The remote server could not be reached.',
    advice: 'Check that it is running and its address under Remote servers in Settings, then retry.',
  },
  REMOTE_REFUSED: {
    hint: 'The remote server refused the request.',
    advice: 'Check the API key and the model under Remote servers in Settings.',
  },
  REMOTE_BUSY: { hint: 'The remote server is busy. Retry in a moment.' },
  REMOTE_STREAM_BROKEN: { hint: 'The remote server’s answer broke off. Retry to ask again.' },
  DISCONNECTED: {
    hint: 'Not connected to Tessera.',
    advice: 'Tessera reconnects on its own; retry once it is back.',
  },
  INTERNAL: { hint: 'Something went wrong inside Tessera.' },
};

/** The entry for `code`; undefined only for a code from an older Tessera (a stored answer's error). */
function textFor(code: ErrorCode): ErrorText | undefined {
  return Object.hasOwn(ERROR_TEXTS, code) ? ERROR_TEXTS[code] : undefined;
}

export function errorAdvice(error: Pick<WireError, 'code' | 'message'>): string | null {
  const text = textFor(error.code);
  if (text?.adviceUnless?.test(error.message)) return null;
  return text?.advice ?? null;
}

/** The error and, where there is one, what to do about it: for toasts. */
export function describeWithAdvice(error: WireError): string {
  const advice = errorAdvice(error);
  const text = describeError(error);
  return advice ? `${text} ${advice}` : text;
}

export function describeError(error: WireError): string {
  const hint = textFor(error.code)?.hint;
  if (error.code === 'ENGINE_CRASHED') return error.message ? `${hint} (${error.message})` : (hint as string);
  return error.message || hint || error.code;
}
