// @vitest-environment jsdom
/**
 * "Lower the detail of earlier images": offered in the meter and beside a failed answer's context error only
 * when the services count that it makes the prompt fit; choosing it saves the thread's choice (and retries
 * the failed answer); the composer then says so, with an undo; the questions whose images went at Low are
 * marked in the thread.
 */
import { act, cleanup, fireEvent, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { Message, TokenEstimate } from '../../app/ipc/contract.ts';
import { loadAll } from '../state/store.ts';
import { fakeStats } from '../testing/fake-api.ts';
import type { FakeApi } from '../testing/fake-api.ts';
import { must, settle } from '../testing/harness.ts';
import { renderWithServices } from '../testing/render.tsx';
import { MessageList } from './MessageList.tsx';
import { TokenMeter } from './TokenMeter.tsx';

afterEach(cleanup);

/**
 * chat.estimate as the services answer it for a conversation of 2,300 tokens in a 2,048 window, 1,500 with
 * earlier images at Low (`lowFits`: whether that fits) — and once the thread's choice is on, that count.
 */
function estimates(fake: () => FakeApi, lowFits: boolean) {
  const handler = ({ threadId }: { threadId: string }) => {
    const low = { promptTokens: lowFits ? 1500 : 2100, fits: lowFits };
    const value: TokenEstimate = fake().threads.get(threadId)?.earlierImagesLow
      ? { ...low, contextLength: 2048, exact: true }
      : { promptTokens: 2300, contextLength: 2048, fits: false, exact: true, earlierAtLow: low };
    return { ok: true as const, value };
  };
  return handler;
}

async function conversation(lowFits: boolean) {
  let fake: FakeApi | null = null;
  const handler = estimates(() => must(fake, 'the fake'), lowFits);
  const view = renderWithServices(
    <>
      <MessageList />
      <TokenMeter />
    </>,
    { handlers: { 'chat.estimate': handler } },
  );
  fake = view.fake;
  await act(async () => {
    await loadAll(view.store);
    view.store.getState().setDraft('What is this?');
    await view.store.getState().send();
  });
  const answerId = view.store.getState().current?.thread.currentLeafId ?? '';
  const threadId = view.store.getState().currentThreadId ?? '';
  return { ...view, answerId, threadId };
}

type View = Awaited<ReturnType<typeof conversation>>;

function finish(view: View, id: string, change: Partial<Message>) {
  const message = must(view.fake.messages.get(id), id);
  const done = { ...message, status: 'complete' as const, stats: fakeStats(5), ...change };
  view.fake.messages.set(id, done);
  act(() => view.fake.emit('answer.done', { message: done }));
}

const tooLong = { code: 'PROMPT_TOO_LONG' as const, message: 'The prompt is 2300 tokens…' };
/** Counts of the failed answer's question (the meter counts the empty draft instead). */
const questionCounts = (view: View) =>
  view.fake.calls.filter(
    (c) =>
      c.name === 'chat.estimate' &&
      JSON.stringify((c.input as { content: unknown }).content) ===
        '[{"type":"text","text":"What is this?"}]',
  ).length;
const refresh = (view: View) => act(() => view.store.getState().refreshEstimate());

describe('the meter', () => {
  it('offers to lower earlier images when that fits, and the note undoes it', async () => {
    const view = await conversation(true);
    finish(view, view.answerId, { parts: [{ type: 'text', text: 'A cat.' }] });
    await refresh(view);
    const warning = screen.getByTestId('token-warning');
    expect(warning.textContent).toMatch(/with earlier images at Low detail it takes 1,500 tokens/);
    expect(screen.queryByTestId('earlier-images-note')).toBeNull();

    await act(async () => {
      fireEvent.click(within(warning).getByTestId('lower-earlier-images'));
      await settle();
    });
    expect(view.fake.calls).toContainEqual({
      name: 'threads.update',
      input: { id: view.threadId, earlierImagesLow: true },
    });
    expect(view.fake.threads.get(view.threadId)?.earlierImagesLow).toBe(true);
    // Counted again as a send will now build it: it fits, and the composer says why.
    expect(screen.queryByTestId('token-warning')).toBeNull();
    expect(screen.getByTestId('token-estimate').textContent).toMatch(/1,500 \/ 2,048 tokens/);
    expect(screen.getByTestId('earlier-images-note').textContent).toMatch(
      /Earlier images go to the model at Low/,
    );

    await act(async () => {
      fireEvent.click(screen.getByTestId('earlier-images-undo'));
      await settle();
    });
    expect(view.fake.threads.get(view.threadId)?.earlierImagesLow).toBe(false);
    expect(screen.queryByTestId('earlier-images-note')).toBeNull();
    expect(screen.getByTestId('lower-earlier-images')).toBeTruthy();
  });

  it('keeps the usual advice when lowering would not make it fit', async () => {
    const view = await conversation(false);
    finish(view, view.answerId, { parts: [{ type: 'text', text: 'A cat.' }] });
    await refresh(view);
    expect(screen.getByTestId('token-warning').textContent).toMatch(
      /Set an image to Low detail, remove an image/,
    );
    expect(screen.queryByTestId('lower-earlier-images')).toBeNull();
  });
});

describe('a failed answer', () => {
  it('offers "Lower the detail of earlier images and retry" beside a context error when that fits', async () => {
    const view = await conversation(true);
    finish(view, view.answerId, {
      status: 'failed',
      parts: [{ type: 'text', text: '' }],
      stats: null,
      error: tooLong,
    });
    const error = screen.getByTestId('message-error');
    const offer = await within(error).findByTestId('lower-and-retry');
    expect(offer.textContent).toBe('Lower the detail of earlier images and retry');
    // Counted for the failed answer's own question, under the same parent.
    expect(view.fake.calls).toContainEqual({
      name: 'chat.estimate',
      input: { threadId: view.threadId, parentId: null, content: [{ type: 'text', text: 'What is this?' }] },
    });

    await act(async () => {
      fireEvent.click(offer);
      await settle();
    });
    const names = view.fake.calls.map((c) => c.name);
    expect(names.indexOf('chat.retry')).toBeGreaterThan(names.lastIndexOf('threads.update'));
    expect(view.fake.calls.at(-1)).toEqual({ name: 'chat.retry', input: { messageId: view.answerId } });
    expect(view.fake.threads.get(view.threadId)?.earlierImagesLow).toBe(true);
    expect(screen.getAllByTestId('message-item')[1]?.dataset.status).toBe('streaming');
  });

  it('offers nothing more when lowering would not fit, or for other errors', async () => {
    const view = await conversation(false);
    finish(view, view.answerId, {
      status: 'failed',
      parts: [{ type: 'text', text: '' }],
      stats: null,
      error: tooLong,
    });
    await act(settle);
    expect(questionCounts(view)).toBe(1); // it was counted, and the count said no
    expect(screen.queryByTestId('lower-and-retry')).toBeNull();
    cleanup();

    const other = await conversation(true);
    finish(other, other.answerId, {
      status: 'failed',
      parts: [{ type: 'text', text: '' }],
      stats: null,
      error: { code: 'ENGINE_CRASHED', message: 'out of memory' },
    });
    await act(settle);
    expect(questionCounts(other)).toBe(0);
    expect(screen.queryByTestId('lower-and-retry')).toBeNull();
  });
});

describe('the thread', () => {
  it('marks the questions whose images the latest answer got at Low detail', async () => {
    const view = await conversation(true);
    const questionId = must(view.fake.messages.get(view.answerId)?.parentId, 'the question');
    finish(view, view.answerId, { stats: { ...fakeStats(5), lowered: [questionId] } });
    expect(screen.getByTestId('lowered-note').textContent).toBe(
      'Images of 1 earlier question sent at Low detail',
    );
    const mark = screen.getByTestId('sent-low');
    expect(mark.textContent).toMatch(/Images sent at Low detail in the latest answer’s prompt/);
    expect(within(mark).getByTestId('message-item').dataset.role).toBe('user');
    // The choice is off here, so there is nothing to undo; on, the mark undoes it too.
    expect(within(mark).queryByTestId('sent-low-undo')).toBeNull();
    await act(() => view.store.getState().updateThread({ earlierImagesLow: true }));
    await act(async () => {
      fireEvent.click(within(mark).getByTestId('sent-low-undo'));
      await settle();
    });
    expect(view.fake.threads.get(view.threadId)?.earlierImagesLow).toBe(false);
    expect(within(mark).queryByTestId('sent-low-undo')).toBeNull();
  });
});
