import { describe, expect, it } from 'vitest';
import type { Message } from '../../app/ipc/contract.ts';
import { createHarness, must, pngFile, settle, until } from '../testing/harness.ts';
import { fakeModel, fakeStats } from '../testing/fake-api.ts';
import { loadAll } from './store.ts';
import { selectStreamingId } from './selectors.ts';

async function threadWithQuestion(h = createHarness()) {
  const { store } = h;
  await loadAll(store);
  store.getState().setDraft('What does this error mean?');
  expect(await store.getState().send()).toBe(true);
  const answerId = store.getState().current?.thread.currentLeafId;
  if (!answerId) throw new Error('no answer');
  return { ...h, answerId };
}

describe('answer streaming', () => {
  it('appends answer.delta to the store once per frame, outside React', async () => {
    const { fake, store, nextFrame, answerId } = await threadWithQuestion();
    let updates = 0;
    store.subscribe(() => updates++);
    fake.emit('answer.delta', { messageId: answerId, text: 'The ' });
    fake.emit('answer.delta', { messageId: answerId, text: 'error ' });
    fake.emit('answer.delta', { messageId: answerId, text: 'means' });
    expect(store.getState().streamText[answerId]).toBeUndefined();
    expect(updates).toBe(0);
    nextFrame();
    expect(store.getState().streamText[answerId]).toBe('The error means');
    expect(updates).toBe(1);
    expect(selectStreamingId(store.getState())).toBe(answerId);
  });

  it('answer.done flushes pending deltas, then replaces the text with the final message', async () => {
    const { fake, store, answerId } = await threadWithQuestion();
    fake.emit('answer.delta', { messageId: answerId, text: 'partial' });
    const final: Message = {
      ...must(store.getState().current?.tree.byId.get(answerId)),
      status: 'complete',
      parts: [{ type: 'text', text: 'Final answer.' }],
      stats: fakeStats(3),
    };
    fake.emit('answer.done', { message: final });
    const state = store.getState();
    expect(state.streamText[answerId]).toBeUndefined();
    expect(state.current?.tree.byId.get(answerId)).toEqual(final);
    expect(selectStreamingId(state)).toBeNull();
  });

  it('keeps deltas and the final state that arrive before chat.send answers', async () => {
    const h = createHarness();
    await loadAll(h.store);
    // The services stream and finish before the renderer has the message.
    h.store.getState().setDraft('Hi');
    const sending = h.store.getState().send();
    const answerId = 'a-3'; // the fake numbers ids in order: thread t-1, question q-2, answer a-3
    h.fake.emit('answer.delta', { messageId: answerId, text: 'early ' });
    h.nextFrame();
    await sending;
    const stored = h.store.getState().current?.tree.byId.get(answerId);
    expect(stored?.status).toBe('streaming');
    expect(h.store.getState().streamText[answerId]).toBe('early ');
  });

  it('a done event that beats the send reply is not undone by it', async () => {
    const h = createHarness({
      handlers: {
        'chat.send': async (input) => {
          const thread = must(h.fake.threads.get(input.threadId));
          const base = { threadId: thread.id, createdAt: 1, stats: null, error: null };
          const userMessage: Message = {
            ...base,
            id: 'q',
            parentId: null,
            role: 'user',
            parts: [],
            status: 'complete',
          };
          const assistantMessage: Message = {
            ...base,
            id: 'a',
            parentId: 'q',
            role: 'assistant',
            parts: [{ type: 'text', text: '' }],
            status: 'streaming',
          };
          h.fake.emit('answer.done', {
            message: { ...assistantMessage, status: 'complete', parts: [{ type: 'text', text: 'Done.' }] },
          });
          return { ok: true, value: { userMessage, assistantMessage } };
        },
      },
    });
    await loadAll(h.store);
    await h.store.getState().newThread();
    h.store.getState().setDraft('Hi');
    await h.store.getState().send();
    const answer = h.store.getState().current?.tree.byId.get('a');
    expect(answer?.status).toBe('complete');
    expect(h.store.getState().settled).toEqual({});
  });

  it('a reload of the thread mid-stream keeps what was streamed', async () => {
    const { fake, store, nextFrame, answerId } = await threadWithQuestion();
    fake.emit('answer.delta', { messageId: answerId, text: 'abc' });
    nextFrame();
    // The store has committed less than was streamed (its text is empty in the fake).
    await store.getState().refreshCurrent();
    expect(store.getState().streamText[answerId]).toBe('abc');
    // After a reconnect, the store may know more than was streamed here: it wins.
    const message = must(fake.messages.get(answerId));
    fake.messages.set(answerId, { ...message, parts: [{ type: 'text', text: 'abcdef' }] });
    await store.getState().refreshCurrent();
    expect(store.getState().streamText[answerId]).toBe('abcdef');
  });
});

describe('threads', () => {
  it('loads the most recent thread at start and names a new thread after its first question', async () => {
    const { store, fake } = await threadWithQuestion();
    const state = store.getState();
    expect(state.threadList).toHaveLength(1);
    await settle();
    expect(fake.threads.get(must(state.currentThreadId))?.title).toBe('What does this error mean?');
    expect(store.getState().threadList[0]?.title).toBe('What does this error mean?');
  });

  it('reuses an empty current thread for "new thread"', async () => {
    const { store, fake } = createHarness();
    await loadAll(store);
    const first = await store.getState().newThread();
    const second = await store.getState().newThread();
    expect(second?.id).toBe(first?.id);
    expect(fake.threads.size).toBe(1);
  });

  it('deletes with an Undo toast that restores the thread', async () => {
    const { store, fake } = await threadWithQuestion();
    const id = must(store.getState().currentThreadId);
    await store.getState().deleteThread(id);
    expect(store.getState().threadList).toEqual([]);
    expect(store.getState().currentThreadId).toBeNull();
    const toast = store.getState().toasts.at(-1);
    expect(toast?.message).toMatch(/^Deleted/);
    toast?.action?.run();
    await settle();
    await settle();
    expect(store.getState().threadList.map((t) => t.id)).toEqual([id]);
    expect(store.getState().currentThreadId).toBe(id);
    expect(fake.calls.map((c) => c.name)).toContain('threads.restore');
  });

  it('renames optimistically and rolls back on failure', async () => {
    const h = createHarness({
      handlers: {
        'threads.rename': () => ({ ok: false, error: { code: 'INTERNAL', message: 'disk full' } }),
      },
    });
    await h.store.getState().newThread();
    const id = must(h.store.getState().currentThreadId);
    const renaming = h.store.getState().renameThread(id, 'Renamed');
    expect(h.store.getState().threadList[0]?.title).toBe('Renamed');
    await renaming;
    expect(h.store.getState().threadList[0]?.title).toBe('New thread');
    expect(h.store.getState().toasts.at(-1)?.tone).toBe('error');
  });

  it('switches versions with selectBranch and regenerates beside the old answer', async () => {
    const { store, answerId } = await threadWithQuestion();
    await store.getState().regenerate(answerId);
    const state = store.getState();
    const newAnswer = must(state.current?.thread.currentLeafId);
    expect(newAnswer).not.toBe(answerId);
    expect(state.current?.path.map((m) => m.id)).toHaveLength(2);
    await store.getState().selectBranch(answerId);
    expect(store.getState().current?.thread.currentLeafId).toBe(answerId);
  });

  it('edit & resend keeps the question’s images and branches beside it', async () => {
    const h = createHarness();
    await loadAll(h.store);
    h.store.getState().addFiles([pngFile('a.png')], 'picker');
    await until(() => h.store.getState().attachments[0]?.status === 'ready', 'the upload');
    h.store.getState().setDraft('first');
    await h.store.getState().send();
    const question = must(h.store.getState().current?.path[0]);
    expect(await h.store.getState().editAndResend(question.id, 'second')).toBe(true);
    const edit = h.fake.calls.find((c) => c.name === 'chat.edit')?.input as { content: unknown[] };
    expect(edit.content).toEqual([
      { type: 'image', image: { sha256: expect.any(String), detail: 'high' } },
      { type: 'text', text: 'second' },
    ]);
    const path = must(h.store.getState().current).path;
    expect(path[0]?.id).not.toBe(question.id);
    expect(path[0]?.parentId).toBeNull();
  });
});

describe('composer', () => {
  it('stores images at once, in order, with unique pasted names and per-image detail', async () => {
    const { store, fake, liveUrls } = createHarness();
    store.getState().addFiles([pngFile('image.png'), pngFile('image.png', 800, 600)], 'paste');
    store.getState().addFiles([new File(['x'], 'notes.txt', { type: 'text/plain' })], 'drop');
    let attachments = store.getState().attachments;
    expect(attachments.map((a) => [a.name, a.status])).toEqual([
      ['Pasted image 1.png', 'uploading'],
      ['Pasted image 2.png', 'uploading'],
      ['notes.txt', 'error'],
    ]);
    expect(attachments[2]?.error).toBe('Not an image');
    await until(
      () => store.getState().attachments.filter((a) => a.plans.low).length === 2,
      'uploads and plans',
    );
    attachments = store.getState().attachments;
    expect(attachments.map((a) => a.status)).toEqual(['ready', 'ready', 'error']);
    expect(attachments[0]?.plans.high?.tiles.length).toBe(12); // 1920×1080 → 2048×1536: 3 × 4
    expect(attachments[0]?.plans.low?.tiles.length).toBe(0); // fetched for the toggle's numbers
    expect(fake.calls.filter((c) => c.name === 'images.attach')).toHaveLength(2);

    await store.getState().setAttachmentDetail(must(attachments[1]).key, 'low');
    store.getState().setDraft('Compare them');
    await store.getState().send();
    const send = fake.calls.find((c) => c.name === 'chat.send')?.input as { content: unknown[] };
    expect(send.content).toEqual([
      { type: 'image', image: { sha256: must(attachments[0]?.image).sha256, detail: 'high' } },
      { type: 'image', image: { sha256: must(attachments[1]?.image).sha256, detail: 'low' } },
      { type: 'text', text: 'Compare them' },
    ]);
    // The failed one stays for the user to remove; the sent ones' previews now belong to the image cache.
    expect(store.getState().attachments.map((a) => a.name)).toEqual(['notes.txt']);
    expect(liveUrls.size).toBe(2);
    store.getState().removeAttachment(must(store.getState().attachments[0]).key);
    expect(store.getState().attachments).toEqual([]);
  });

  it('does not send while an image is still being stored', async () => {
    const { store, fake } = createHarness();
    store.getState().addFiles([pngFile('a.png')], 'picker');
    store.getState().setDraft('Hi');
    expect(await store.getState().send()).toBe(false);
    expect(fake.calls.some((c) => c.name === 'chat.send')).toBe(false);
  });

  it('puts the draft back when sending fails', async () => {
    const h = createHarness({
      handlers: { 'chat.send': () => ({ ok: false, error: { code: 'NO_MODEL', message: 'No model' } }) },
    });
    await loadAll(h.store);
    h.store.getState().setDraft('Hello');
    expect(await h.store.getState().send()).toBe(false);
    expect(h.store.getState().draft).toBe('Hello');
    expect(h.store.getState().toasts.at(-1)?.message).toMatch(/No model/);
  });

  it('estimates tokens for the thread and flags what will not fit', async () => {
    const { store } = await threadWithQuestion(
      createHarness({ models: [fakeModel({ id: 'm', name: 'M', contextLength: 100 })] }),
    );
    store.getState().setDraft('x'.repeat(40));
    await store.getState().refreshEstimate();
    expect(store.getState().estimate.value).toMatchObject({ contextLength: 100, fits: true });
    store.getState().setDraft('x'.repeat(400));
    await store.getState().refreshEstimate();
    expect(store.getState().estimate.value?.fits).toBe(false);
  });
});

describe('settings and engine', () => {
  it('applies settings at once, and asks for new plans after a model switch', async () => {
    const h = createHarness({
      models: [fakeModel({ id: 'a', name: 'A' }), fakeModel({ id: 'b', name: 'B' })],
    });
    await loadAll(h.store);
    h.store.getState().addFiles([pngFile('a.png')], 'picker');
    await until(() => Boolean(h.store.getState().attachments[0]?.plans.low), 'the upload');
    const plans = h.fake.calls.filter((c) => c.name === 'images.plan').length;
    const update = h.store.getState().updateSettings({ activeModelId: 'b', theme: 'dark' });
    expect(h.store.getState().settings).toMatchObject({ activeModelId: 'b', theme: 'dark' });
    await update;
    const planCalls = () => h.fake.calls.filter((c) => c.name === 'images.plan').length;
    await until(() => planCalls() === plans + 2, 'both plans again');
    expect(h.store.getState().attachments[0]?.plans.high).toBeDefined();
  });

  it('follows engine.status events', async () => {
    const { fake, store } = createHarness();
    fake.emit('engine.status', {
      state: 'crashed',
      modelId: null,
      providers: null,
      error: { code: 'ENGINE_CRASHED', message: 'out of memory' },
      restarts: 1,
    });
    expect(store.getState().engine?.state).toBe('crashed');
  });
});
