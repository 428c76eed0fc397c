/** Argument parsing shared by the commands, on node:util's parseArgs. */
import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';
import { TesseraError } from '../../app/errors.ts';

/**
 * Bad arguments: the code USAGE makes the CLI exit 2. A subclass only to spare the commands' many throw
 * sites the code argument.
 */
export class UsageError extends TesseraError {
  constructor(message: string) {
    super('USAGE', message);
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

export function parse<const O extends Options>(args: string[], options: O) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true } as const);
  } catch (error) {
    throw new UsageError((error as Error).message.split('\n')[0] ?? '');
  }
}

export function intOption(value: unknown, name: string, min = 0): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min)
    throw new UsageError(`--${name} must be an integer ≥ ${min}, got "${value}".`);
  return n;
}

export function numberOption(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`--${name} must be a number ≥ 0, got "${value}".`);
  return n;
}

export function oneOf<T extends string>(value: unknown, name: string, allowed: readonly T[]): T | undefined {
  if (value === undefined) return undefined;
  if (!allowed.includes(value as T)) {
    throw new UsageError(`--${name} must be one of ${allowed.join(', ')}, got "${value}".`);
  }
  return value as T;
}

export function required(value: unknown, name: string): string {
  if (typeof value !== 'string' || value.length === 0) throw new UsageError(`--${name} is required.`);
  return value;
}
