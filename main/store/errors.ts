/** Errors the store throws on purpose. `code` lets the services map them to IPC error codes. */
export type StoreErrorCode = 'NOT_FOUND' | 'CONFLICT' | 'BAD_REQUEST';

export class StoreError extends Error {
  readonly code: StoreErrorCode;

  constructor(code: StoreErrorCode, message: string) {
    super(message);
    this.name = 'StoreError';
    this.code = code;
  }
}

export function notFound(what: string, id: string): StoreError {
  return new StoreError('NOT_FOUND', `${what} not found: ${id}`);
}
