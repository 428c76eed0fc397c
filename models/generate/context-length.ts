/** The context length every family's dims accept: `contextLength` overrides the size's default. */

/** `requested` when given, else `fallback`; anything but a positive integer is a caller bug. */
export function resolveContextLength(
  family: string,
  requested: number | undefined,
  fallback: number,
): number {
  const contextLength = requested ?? fallback;
  if (!Number.isInteger(contextLength) || contextLength < 1) {
    throw new Error(`${family}: contextLength must be a positive integer, got ${contextLength}`);
  }
  return contextLength;
}
