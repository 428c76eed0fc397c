/** dispatch's one translation: a TesseraError's code goes out as it is; anything unforeseen is INTERNAL. */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ERROR_CODES, TesseraError } from '../../app/errors.ts';
import type { Handlers } from '../../app/ipc/contract.ts';
import { dispatch, toWireError } from './dispatch.ts';

describe('toWireError', () => {
  it('passes every code through with its message', () => {
    for (const code of ERROR_CODES) {
      expect(toWireError(new TesseraError(code, `because ${code}`))).toEqual({
        code,
        message: `because ${code}`,
      });
    }
  });

  it('makes anything without a code INTERNAL, keeping the message', () => {
    expect(toWireError(new Error('disk on fire'))).toEqual({ code: 'INTERNAL', message: 'disk on fire' });
    expect(toWireError('a string')).toEqual({ code: 'INTERNAL', message: 'a string' });
    expect(toWireError(new Error(''))).toEqual({
      code: 'INTERNAL',
      message: 'Something went wrong inside Tessera.',
    });
  });

  it('does not trust a code on an object that is not a TesseraError', () => {
    const errno = Object.assign(new Error('ENOENT: no such file'), { code: 'NOT_FOUND' });
    expect(toWireError(errno)).toEqual({ code: 'INTERNAL', message: 'ENOENT: no such file' });
  });

  it('makes a schema failure BAD_REQUEST', () => {
    const parsed = z.object({ id: z.string() }).safeParse({ id: 1 });
    expect(parsed.success).toBe(false);
    expect(toWireError(parsed.error)).toMatchObject({ code: 'BAD_REQUEST' });
  });
});

describe('dispatch', () => {
  it('answers a handler that throws with its code, and logs only INTERNAL', async () => {
    const logged: string[] = [];
    const log = (message: string) => void logged.push(message);
    const handlers = {
      'threads.list': () => Promise.reject(new TesseraError('BUSY', 'Busy.')),
      'settings.get': () => Promise.reject(new Error('boom')),
    } as unknown as Handlers;
    expect(await dispatch(handlers, 'threads.list', {}, log)).toEqual({
      ok: false,
      error: { code: 'BUSY', message: 'Busy.' },
    });
    expect(await dispatch(handlers, 'settings.get', {}, log)).toEqual({
      ok: false,
      error: { code: 'INTERNAL', message: 'boom' },
    });
    expect(logged).toEqual(['settings.get failed']);
  });
});
