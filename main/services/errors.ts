/**
 * Errors the services raise with a contract code (models/errors.ts knows only the engine's codes). The
 * transport turns them into Result envelopes in one place: dispatch.ts.
 */
import type { ErrorCode } from '../../app/ipc/contract.ts';

export class ServiceError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ServiceError';
    this.code = code;
  }
}

export const notFound = (what: string): ServiceError =>
  new ServiceError('NOT_FOUND', `${what} does not exist (it may have been deleted).`);

export const badRequest = (message: string): ServiceError => new ServiceError('BAD_REQUEST', message);
