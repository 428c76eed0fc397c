/**
 * The one place where a request from any transport (Electron IPC, the WebSocket of `tessera serve`) meets
 * the handlers: validate against the contract, run, and turn whatever was thrown into a Result with a code
 * the UI can act on. Handlers throw; nothing past this point ever sees an exception.
 */
import { ZodError } from 'zod';
import { parseRequest, requests } from '../../app/ipc/contract.ts';
import type { ErrorCode, Handlers, Result } from '../../app/ipc/contract.ts';
import { isTesseraError } from '../../models/errors.ts';
import { ServiceError } from './errors.ts';

/** Codes passed through as they are when an error carries one (e.g. the store's NOT_FOUND). */
const CONTRACT_CODES: ReadonlySet<string> = new Set<ErrorCode>([
  'BAD_REQUEST',
  'NOT_FOUND',
  'NO_MODEL',
  'ENGINE_CRASHED',
  'IMAGE_INVALID',
  'IMAGE_TOO_LARGE',
  'PROMPT_TOO_LONG',
  'BUSY',
  'CONFLICT', // the store's: e.g. text appended to an answer that is no longer streaming
]);

export type Logger = (message: string, error?: unknown) => void;

const defaultLog: Logger = (message, error) => console.error(`tessera: ${message}`, error ?? '');

export async function dispatch(
  handlers: Handlers,
  name: unknown,
  rawInput: unknown,
  log: Logger = defaultLog,
): Promise<Result<unknown>> {
  // Own keys only: `"toString" in requests` is true, and would reach Object.prototype instead of a handler.
  if (typeof name !== 'string' || !Object.hasOwn(requests, name)) {
    return { ok: false, error: { code: 'BAD_REQUEST', message: `Unknown request "${String(name)}".` } };
  }
  try {
    const parsed = parseRequest(name, rawInput);
    if (!parsed.ok) return parsed;
    const handler = handlers[parsed.value.name] as (input: unknown) => Promise<unknown>;
    return { ok: true, value: await handler(parsed.value.input) };
  } catch (error) {
    const wire = toWireError(error);
    if (wire.code === 'INTERNAL') log(`${name} failed`, error);
    return { ok: false, error: wire };
  }
}

/** A thrown value as a code and a message. Unknown errors become INTERNAL, keeping their message. */
export function toWireError(error: unknown): { code: ErrorCode; message: string } {
  if (error instanceof ServiceError || isTesseraError(error)) {
    return { code: error.code, message: error.message };
  }
  if (error instanceof ZodError) {
    const detail = error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; ');
    return { code: 'BAD_REQUEST', message: `Invalid request: ${detail}` };
  }
  // The store and other layers may throw their own error classes with a contract code.
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  if (typeof code === 'string' && CONTRACT_CODES.has(code)) return { code, message };
  return { code: 'INTERNAL', message: message || 'Something went wrong inside Tessera.' };
}
