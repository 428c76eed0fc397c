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
};

export function describeError(error: { code: string; message: string }): string {
  const hint = HINTS[error.code];
  if (error.code === 'ENGINE_CRASHED') return error.message ? `${hint} (${error.message})` : (hint as string);
  return error.message || hint || error.code;
}
