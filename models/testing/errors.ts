/** Assertions on the TesseraErrors that config readers and planners throw for bad input. */
import { expect } from 'vitest';
import { TesseraError } from '../errors.ts';

/** The TesseraError `run` throws. Another error is rethrown, and no error at all fails the test. */
export function tesseraFailure(run: () => unknown): TesseraError {
  try {
    run();
  } catch (error) {
    if (error instanceof TesseraError) return error;
    throw error;
  }
  throw new Error('expected a TesseraError');
}

/** `run` throws a TesseraError with this code whose message names every part (a file, a key, a value). */
export function expectTesseraError(run: () => unknown, code: string, ...parts: string[]): void {
  const error = tesseraFailure(run);
  expect(error.code).toBe(code);
  for (const part of parts) expect(error.message).toContain(part);
}
