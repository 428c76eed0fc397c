import { describe, expect, it } from 'vitest';
import { TesseraError } from '../../app/errors.ts';
import type { MessagePart } from '../../app/ipc/contract.ts';
import { titleFromText } from './messages.ts';
import { tempStore, tickingClock } from './testing/temp.ts';
import type { Store } from './types.ts';

const text = (t: string): MessagePart[] => [{ type: 'text', text: t }];

function add(store: Store, threadId: string, parentId: string | null, role: 'user' | 'assistant', t: string) {
  return store.addMessage({ threadId, parentId, role, parts: text(t), status: 'complete' });
}

function errorOf(fn: () => unknown): TesseraError {
  try {
    fn();
  } catch (error) {
    if (error instanceof TesseraError) return error;
    throw error;
  }
  throw new Error('expected a TesseraError');
}

describe('message tree', () => {
  it('adds under a parent, moves the current leaf and bumps updatedAt', () => {
    const { store } = tempStore({ now: tickingClock() });
    const thread = store.createThread();
    const q = add(store, thread.id, null, 'user', 'Q1');
    const a = add(store, thread.id, q.id, 'assistant', 'A1');
    expect(a).toMatchObject({ threadId: thread.id, parentId: q.id, role: 'assistant', status: 'complete' });
    expect(a.parts).toEqual(text('A1'));
    expect(store.getMessage(a.id)).toEqual(a);
    const detail = store.getThread(thread.id);
    expect(detail?.thread.currentLeafId).toBe(a.id);
    expect(detail?.thread.updatedAt).toBeGreaterThan(thread.updatedAt);
    expect(detail?.messages.map((m) => m.id)).toEqual([q.id, a.id]);
    expect(store.pathTo(a.id).map((m) => m.id)).toEqual([q.id, a.id]);
  });

  it('switches branches down to the newest leaf of the chosen version', () => {
    const { store } = tempStore({ now: tickingClock() });
    const t = store.createThread().id;
    //  q1 ─ a1 ─ q2 ─ a2
    //     └ a1b ─ q2b ─ a2b
    //             └ q2c        (newest under a1b)
    const q1 = add(store, t, null, 'user', 'q1');
    const a1 = add(store, t, q1.id, 'assistant', 'a1');
    const q2 = add(store, t, a1.id, 'user', 'q2');
    const a2 = add(store, t, q2.id, 'assistant', 'a2');
    const a1b = add(store, t, q1.id, 'assistant', 'a1b');
    const q2b = add(store, t, a1b.id, 'user', 'q2b');
    const a2b = add(store, t, q2b.id, 'assistant', 'a2b');
    const q2c = add(store, t, a1b.id, 'user', 'q2c');
    expect(store.getThread(t)?.thread.currentLeafId).toBe(q2c.id);

    expect(store.setCurrentLeaf(t, a1.id).currentLeafId).toBe(a2.id);
    expect(store.pathTo(a2.id).map((m) => m.parts)).toEqual(['q1', 'a1', 'q2', 'a2'].map(text));
    expect(store.setCurrentLeaf(t, a1b.id).currentLeafId).toBe(q2c.id);
    expect(store.setCurrentLeaf(t, q2b.id).currentLeafId).toBe(a2b.id);
    expect(store.setCurrentLeaf(t, q1.id).currentLeafId).toBe(q2c.id);
    expect(store.setCurrentLeaf(t, a2.id).currentLeafId).toBe(a2.id); // a leaf stays itself
    expect(store.getThread(t)?.thread.currentLeafId).toBe(a2.id);
  });

  it('keeps several roots (edited first questions) apart', () => {
    const { store } = tempStore({ now: tickingClock() });
    const t = store.createThread().id;
    const first = add(store, t, null, 'user', 'first');
    const second = add(store, t, null, 'user', 'second');
    expect(store.pathTo(second.id).map((m) => m.id)).toEqual([second.id]);
    expect(store.setCurrentLeaf(t, first.id).currentLeafId).toBe(first.id);
  });

  it('refuses messages and parents of other threads, and unknown images', () => {
    const { store } = tempStore();
    const t1 = store.createThread().id;
    const t2 = store.createThread().id;
    const q = add(store, t1, null, 'user', 'q');
    expect(errorOf(() => add(store, t2, q.id, 'assistant', 'a')).code).toBe('NOT_FOUND');
    expect(errorOf(() => store.setCurrentLeaf(t2, q.id)).message).toMatch(q.id);
    expect(errorOf(() => store.setCurrentLeaf(t1, 'missing')).code).toBe('NOT_FOUND');
    expect(errorOf(() => add(store, 'missing', null, 'user', 'q')).code).toBe('NOT_FOUND');
    expect(errorOf(() => store.pathTo('missing')).message).toBe('Message not found: missing');
    const image = { sha256: 'a'.repeat(64), name: 'x.png', mime: 'image/png', width: 1, height: 1 };
    const withImage = { type: 'image' as const, image: { ...image, detail: 'low' as const } };
    expect(
      errorOf(() =>
        store.addMessage({
          threadId: t1,
          parentId: null,
          role: 'user',
          parts: [withImage],
          status: 'complete',
        }),
      ).message,
    ).toMatch(/Image not found/);
    expect(store.getMessage('missing')).toBeNull();
  });

  it('titles an untitled thread from its first question, once', () => {
    const { store } = tempStore();
    const t = store.createThread().id;
    add(store, t, null, 'user', '  What   is\nin this picture?  ');
    expect(store.getThread(t)?.thread.title).toBe('What is in this picture?');
    add(store, t, null, 'user', 'Another question');
    expect(store.getThread(t)?.thread.title).toBe('What is in this picture?');

    const named = store.createThread('Named').id;
    add(store, named, null, 'user', 'Question');
    expect(store.getThread(named)?.thread.title).toBe('Named');

    const answered = store.createThread().id;
    add(store, answered, null, 'assistant', 'An answer does not name a thread');
    expect(store.getThread(answered)?.thread.title).toBe('New chat');
  });

  it('cuts long titles at a word boundary, within 60 characters', () => {
    const long = 'Please describe every object you can see on the kitchen table in this photograph';
    const title = titleFromText(long);
    expect(title).toBe('Please describe every object you can see on the kitchen…');
    expect(title.length).toBeLessThanOrEqual(60);
    expect(titleFromText('x'.repeat(100))).toBe('x'.repeat(59) + '…');
    expect(titleFromText('short')).toBe('short');
    expect(titleFromText('a'.repeat(58) + '😀😀').length).toBeLessThanOrEqual(60);
    expect(titleFromText('a'.repeat(58) + '😀😀')).not.toMatch(/[\uD800-\uDBFF]…$/);
  });
});

describe('streaming answers', () => {
  function streaming(store: Store, parts: MessagePart[] = []) {
    const t = store.createThread().id;
    const q = add(store, t, null, 'user', 'q');
    return store.addMessage({ threadId: t, parentId: q.id, role: 'assistant', parts, status: 'streaming' });
  }

  it('appends text, visible while streaming, and finishes with stats', () => {
    const { store } = tempStore({ now: tickingClock() });
    const a = streaming(store);
    for (const delta of ['A ', 'small ', '', 'boat.']) store.appendText(a.id, delta);
    expect(store.getMessage(a.id)?.parts).toEqual(text('A small boat.'));
    expect(store.getThread(a.threadId)?.messages[1]?.parts).toEqual(text('A small boat.'));
    expect(store.pathTo(a.id)[1]?.parts).toEqual(text('A small boat.'));

    const stats = { promptTokens: 10, generatedTokens: 4 } as never;
    const done = store.finishMessage(a.id, { status: 'complete', stats });
    expect(done).toMatchObject({ status: 'complete', stats, error: null, parts: text('A small boat.') });
    expect(store.getMessage(a.id)).toEqual(done);
    expect(store.getThread(a.threadId)?.thread.updatedAt).toBe(done.createdAt + 1);
  });

  it("keeps an answer's own token ids, full 32-bit, and none where none were given", () => {
    const { store } = tempStore();
    const a = streaming(store);
    store.appendText(a.id, 'Hi');
    const ids = [0, 1, 49_279, 151_646, 2 ** 32 - 1];
    store.finishMessage(a.id, { status: 'complete', tokenIds: ids });
    expect(store.tokenIdsOf(a.id)).toEqual(ids);
    const b = streaming(store);
    store.finishMessage(b.id, { status: 'failed', error: { code: 'INTERNAL', message: 'x' } });
    expect(store.tokenIdsOf(b.id)).toBeNull();
    expect(store.tokenIdsOf('no-such-message')).toBeNull();
  });

  it('appends to the last text part, after images', () => {
    const { store } = tempStore();
    const { sha256 } = store.putImage(new Uint8Array([1, 2, 3]), {
      name: 'i',
      mime: 'image/png',
      width: 1,
      height: 1,
    });
    const image: MessagePart = {
      type: 'image',
      image: { sha256, name: 'i', mime: 'image/png', width: 1, height: 1, detail: 'low' },
    };
    const a = streaming(store, [{ type: 'text', text: 'Before: ' }, image]);
    store.appendText(a.id, 'more');
    const parts = store.finishMessage(a.id, { status: 'stopped' }).parts;
    expect(parts).toEqual([{ type: 'text', text: 'Before: more' }, image]);
    const bare = streaming(store, [image]);
    store.appendText(bare.id, 'new part');
    expect(store.getMessage(bare.id)?.parts).toEqual([image, { type: 'text', text: 'new part' }]);
  });

  it('records failures and refuses text for finished or unknown messages', () => {
    const { store } = tempStore();
    const a = streaming(store);
    store.appendText(a.id, 'partial');
    const failed = store.finishMessage(a.id, {
      status: 'failed',
      error: { code: 'ENGINE_CRASHED', message: 'boom' },
    });
    expect(failed).toMatchObject({
      status: 'failed',
      stats: null,
      error: { code: 'ENGINE_CRASHED', message: 'boom' },
    });
    expect(failed.parts).toEqual(text('partial'));
    expect(errorOf(() => store.appendText(a.id, 'late')).code).toBe('CONFLICT');
    expect(errorOf(() => store.appendText('missing', 'x')).code).toBe('NOT_FOUND');
    expect(errorOf(() => store.finishMessage('missing', { status: 'complete' })).code).toBe('NOT_FOUND');
    expect(store.getMessage(a.id)?.parts).toEqual(text('partial'));
  });

  it('marks answers left streaming as interrupted, keeping their text', () => {
    const { store } = tempStore();
    const a = streaming(store);
    const b = streaming(store, text('Already: '));
    store.appendText(a.id, 'half an ans');
    store.appendText(b.id, 'x');
    const done = streaming(store);
    store.finishMessage(done.id, { status: 'complete' });

    expect(store.markInterrupted()).toBe(2);
    expect(store.getMessage(a.id)).toMatchObject({ status: 'interrupted', parts: text('half an ans') });
    expect(store.getMessage(b.id)).toMatchObject({ status: 'interrupted', parts: text('Already: x') });
    expect(store.getMessage(done.id)?.status).toBe('complete');
    expect(store.markInterrupted()).toBe(0);
  });
});
