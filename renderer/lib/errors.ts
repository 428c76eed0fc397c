/** Error codes from the contract, in words a person can act on. Unknown codes fall back to the message. */
const HINTS: Record<string, string> = {
  NO_MODEL: 'No model is loaded. Choose one in Settings, or start Tessera with --model-dir.',
  ENGINE_CRASHED: 'The engine stopped unexpectedly; it is restarting.',
  IMAGE_INVALID: 'This file is not an image Tessera can read.',
  IMAGE_TOO_LARGE: 'This image is too large.',
  PROMPT_TOO_LONG: 'The conversation no longer fits in the model’s context window.',
  BUSY: 'The engine is busy with another answer.',
  DISCONNECTED: 'Not connected to Tessera.',
};

export function describeError(error: { code: string; message: string }): string {
  const hint = HINTS[error.code];
  if (!hint) return error.message || error.code;
  return error.message && error.message !== hint ? `${hint} (${error.message})` : hint;
}
