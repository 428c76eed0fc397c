/**
 * Error codes from the contract, in words a person can act on. The services' own messages already say
 * what was wrong and what to do, so they win; these hints cover empty messages and the cases where the
 * app, not the user, acts (an engine crash is restarted automatically).
 */
const HINTS: Record<string, string> = {
  NO_MODEL: 'No model is loaded. Choose one in Settings, or start Tessera with --model-dir.',
  ENGINE_CRASHED: 'The engine stopped unexpectedly and is being restarted. Retry the answer.',
  IMAGE_INVALID: 'This file is not an image Tessera can read.',
  IMAGE_TOO_LARGE: 'This image is too large.',
  PROMPT_TOO_LONG: 'The conversation no longer fits in the model’s context window.',
  BUSY: 'The engine is busy with another answer.',
  DISCONNECTED: 'Not connected to Tessera.',
  DISK_FULL: 'There is not enough free disk space for this model.',
  HUB_ERROR: 'The model hub could not be reached or refused the request.',
  MODEL_UNSUPPORTED: 'Tessera cannot run this model yet.',
};

/**
 * What to do next, for errors a person can fix whose messages say what went wrong but not where to fix
 * it (DISK_FULL messages already say to free space; Hub errors do not point at the token setting).
 */
const ADVICE: Record<string, string> = {
  HUB_ERROR:
    'Check the network, the Hub endpoint and — for a gated or private repo — the access token under Hub access, then retry.',
  MODEL_UNSUPPORTED: 'Choose a model from the catalog marked as supported.',
  DISCONNECTED: 'Tessera reconnects on its own; retry once it is back.',
};

export function errorAdvice(code: string): string | null {
  return ADVICE[code] ?? null;
}

/** The error and, where there is one, what to do about it: for toasts. */
export function describeWithAdvice(error: { code: string; message: string }): string {
  const advice = errorAdvice(error.code);
  const text = describeError(error);
  return advice ? `${text} ${advice}` : text;
}

export function describeError(error: { code: string; message: string }): string {
  const hint = HINTS[error.code];
  if (error.code === 'ENGINE_CRASHED') return error.message ? `${hint} (${error.message})` : (hint as string);
  return error.message || hint || error.code;
}
