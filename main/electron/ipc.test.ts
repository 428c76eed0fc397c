/** The IPC gate: only our windows' main frame on app://bundle reaches the handlers; bad input never throws. */
import { describe, expect, it, vi } from 'vitest';
import type { Handlers } from '../../app/ipc/contract.ts';
import { handleInvoke, isTrustedSender } from './ipc.ts';

const windowIds = new Set([1, 2]);
const ours = { frameUrl: 'app://bundle/index.html', isMainFrame: true, senderWindowId: 1 };

function fakeHandlers() {
  const create = vi.fn(async (input: { title?: string }) => ({ id: 't1', title: input.title ?? 'New chat' }));
  const crash = vi.fn(async () => {
    throw new Error('boom');
  });
  return {
    create,
    crash,
    handlers: { 'threads.create': create, 'threads.list': crash } as unknown as Handlers,
  };
}

describe('isTrustedSender', () => {
  it('accepts the main frame of our windows on app://bundle', () => {
    expect(isTrustedSender({ ...ours, windowIds })).toBe(true);
    expect(isTrustedSender({ ...ours, frameUrl: 'app://bundle/?thread=3#x', windowIds })).toBe(true);
  });

  it('refuses other windows, subframes, other origins and missing frames', () => {
    const refused = [
      { ...ours, senderWindowId: 99 },
      { ...ours, senderWindowId: null },
      { ...ours, senderWindowId: undefined },
      { ...ours, isMainFrame: false },
      { ...ours, frameUrl: 'https://evil.example/' },
      { ...ours, frameUrl: 'app://other/index.html' },
      { ...ours, frameUrl: 'app://bundle.evil.example/' },
      { ...ours, frameUrl: 'file:///index.html' },
      { ...ours, frameUrl: 'app://x@bundle/' },
      { ...ours, frameUrl: 'about:blank' },
      { ...ours, frameUrl: '' },
      { ...ours, frameUrl: null },
      { ...ours, frameUrl: undefined },
    ];
    for (const sender of refused)
      expect(isTrustedSender({ ...sender, windowIds }), JSON.stringify(sender)).toBe(false);
  });
});

describe('handleInvoke', () => {
  it('runs a valid request from a trusted sender', async () => {
    const { handlers, create } = fakeHandlers();
    const context = { handlers, windowIds };
    expect(await handleInvoke(context, 'threads.create', { title: 'Hi' }, ours)).toEqual({
      ok: true,
      value: { id: 't1', title: 'Hi' },
    });
    expect(create).toHaveBeenCalledOnce();
  });

  it('ignores untrusted senders: nothing runs', async () => {
    const { handlers, create } = fakeHandlers();
    const log = vi.fn();
    const result = await handleInvoke(
      { handlers, windowIds, log },
      'threads.create',
      {},
      { ...ours, isMainFrame: false },
    );
    expect(result).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(create).not.toHaveBeenCalled();
    expect(log).toHaveBeenCalled();
  });

  it('rejects schema failures and unknown names with BAD_REQUEST, and handler errors with INTERNAL', async () => {
    const { handlers, create } = fakeHandlers();
    const context = { handlers, windowIds, log: () => {} };
    const bad: Array<[unknown, unknown]> = [
      ['threads.create', { title: 5 }],
      ['threads.create', 'nope'],
      ['threads.create', undefined],
      ['threads.nope', {}],
      ['hasOwnProperty', {}],
      ['__proto__', {}],
      [42, {}],
      [null, null],
    ];
    for (const [name, input] of bad) {
      expect(await handleInvoke(context, name, input, ours), String(name)).toMatchObject({
        ok: false,
        error: { code: 'BAD_REQUEST' },
      });
    }
    expect(create).not.toHaveBeenCalled();
    expect(await handleInvoke(context, 'threads.list', {}, ours)).toEqual({
      ok: false,
      error: { code: 'INTERNAL', message: 'boom' },
    });
  });
});
