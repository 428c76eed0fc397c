/** Errors the store throws on purpose: TesseraErrors whose codes (NOT_FOUND, CONFLICT) reach the UI as they are. */
import { TesseraError } from '../../app/errors.ts';

export function notFound(what: string, id: string): TesseraError {
  return new TesseraError('NOT_FOUND', `${what} not found: ${id}`);
}
