/** The services' common errors. Every error is a TesseraError; dispatch.ts sends its code as it is. */
import { TesseraError } from '../../app/errors.ts';

export const notFound = (what: string): TesseraError =>
  new TesseraError('NOT_FOUND', `${what} does not exist (it may have been deleted).`);

export const badRequest = (message: string): TesseraError => new TesseraError('BAD_REQUEST', message);
