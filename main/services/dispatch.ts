/**
 * The one place where a request from any transport (Electron IPC, the WebSocket of `tessera serve`) meets
 * the handlers: validate against the contract, run, and turn whatever was thrown into a Result with a code
 * the UI can act on. Handlers throw; nothing past this point ever sees an exception.
 */
import { ZodError } from 'zod';
import { parseRequest, requests } from '../../app/ipc/contract.ts';
import type { Handlers, Result, WireError } from '../../app/ipc/contract.ts';
import { isTesseraError } from '../../models/errors.ts';

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

/**
 * A thrown value as a code and a message. Every layer throws TesseraError, whose code goes out as it is;
 * a failed schema is BAD_REQUEST; anything else is INTERNAL, keeping its message.
 */
export function toWireError(error: unknown): WireError {
  if (isTesseraError(error)) return { code: error.code, message: error.message };
  if (error instanceof ZodError) {
    const detail = error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; ');
    return { code: 'BAD_REQUEST', message: `Invalid request: ${detail}` };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'INTERNAL', message: message || 'Something went wrong inside Tessera.' };
}
