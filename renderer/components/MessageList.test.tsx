// @vitest-environment jsdom
import { act, cleanup, fireEvent, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { Message } from '../../app/ipc/contract.ts';
import { loadAll } from '../state/store.ts';
import { fakeStats } from '../testing/fake-api.ts';
import { must, pngFile, settle, until } from '../testing/harness.ts';
import { renderWithServices } from '../testing/render.tsx';
import { MessageList } from './MessageList.tsx';

afterEach(cleanup);

async function conversation() {
  const view = renderWithServices(<MessageList />);
  await act(async () => {
    await loadAll(view.store);
    view.store.getState().setDraft('What is this?');
    await view.store.getState().send();
  });
  const answerId = view.store.getState().current?.thread.currentLeafId ?? '';
  return { ...view, answerId };
}

function finish(view: Awaited<ReturnType<typeof conversation>>, id: string, change: Partial<Message>) {
  const message = view.fake.messages.get(id);
  if (!message) throw new Error(`no ${id}`);
  const done = { ...message, status: 'complete' as const, stats: fakeStats(5), ...change };
  view.fake.messages.set(id, done);
  act(() => view.fake.emit('answer.done', { message: done }));
}

describe('MessageList', () => {
  it('streams an answer as Markdown and shows stats when it ends', async () => {
    const view = await conversation();
    act(() => {
      view.fake.emit('answer.delta', { messageId: view.answerId, text: 'Use **bold**' });
      view.nextFrame();
    });
    const answer = must(screen.getAllByTestId('message-item')[1]);
    expect(answer.dataset.status).toBe('streaming');
    expect(within(answer).getByText('bold').tagName).toBe('STRONG');
    expect(within(answer).queryByTestId('regenerate-button')).toBeNull();

    finish(view, view.answerId, {
      parts: [{ type: 'text', text: 'Use **bold**.\n\n```js\nlet a = 1;\n```' }],
    });
    expect(answer.dataset.status).toBe('complete');
    expect(within(answer).getByTestId('message-stats').textContent).toMatch(
      /540 ms to first token.*48\.3 tokens\/s/,
    );
    expect(within(answer).getByTestId('copy-code')).toBeTruthy();
    expect(answer.querySelector('.hljs-keyword')?.textContent).toBe('let');
  });

  it('regenerates beside the old answer and switches versions with ‹ 1/2 ›', async () => {
    const view = await conversation();
    finish(view, view.answerId, { parts: [{ type: 'text', text: 'First answer' }] });
    await act(async () => {
      fireEvent.click(screen.getByTestId('regenerate-button'));
      await settle();
    });
    const second = view.store.getState().current?.thread.currentLeafId ?? '';
    finish(view, second, { parts: [{ type: 'text', text: 'Second answer' }] });
    expect(screen.getByTestId('branch-position').textContent).toBe('2/2');
    expect(screen.getByText('Second answer')).toBeTruthy();

    await act(async () => {
      fireEvent.click(screen.getByTestId('branch-previous'));
      await settle();
    });
    expect(view.fake.calls.at(-1)).toEqual({
      name: 'threads.selectBranch',
      input: { threadId: view.store.getState().currentThreadId, messageId: view.answerId },
    });
    expect(screen.getByTestId('branch-position').textContent).toBe('1/2');
    expect(screen.getByText('First answer')).toBeTruthy();
    expect(screen.getByTestId('branch-previous')).toHaveProperty('disabled', true);
  });

  it('shows a failed answer’s error with Retry', async () => {
    const view = await conversation();
    finish(view, view.answerId, {
      status: 'failed',
      stats: null,
      error: { code: 'ENGINE_CRASHED', message: 'out of memory' },
    });
    const error = screen.getByTestId('message-error');
    expect(error.textContent).toMatch(/stopped unexpectedly.*out of memory/);
    await act(async () => {
      fireEvent.click(within(error).getByTestId('retry-button'));
      await settle();
    });
    expect(view.fake.calls.at(-1)).toEqual({ name: 'chat.retry', input: { messageId: view.answerId } });
    expect(screen.getAllByTestId('message-item')[1]?.dataset.status).toBe('streaming');
    expect(screen.queryByTestId('message-error')).toBeNull();
  });

  it('offers only Retry under a failed answer with no text', async () => {
    const view = await conversation();
    finish(view, view.answerId, {
      status: 'failed',
      parts: [{ type: 'text', text: '' }],
      stats: null,
      error: { code: 'PROMPT_TOO_LONG', message: 'The prompt is 2220 tokens…' },
    });
    expect(within(screen.getByTestId('message-error')).getByTestId('retry-button')).toBeTruthy();
    const answer = within(screen.getAllByTestId('message-item')[1] as HTMLElement);
    expect(answer.queryByTestId('regenerate-button')).toBeNull();
    expect(answer.queryByTestId('copy-message')).toBeNull();
  });

  it('numbers images across the thread, as the model reads them', async () => {
    const view = renderWithServices(<MessageList />);
    const ask = async (files: File[], text: string) => {
      await act(async () => {
        view.store.getState().addFiles(files, 'picker');
        await until(() => view.store.getState().attachments.every((a) => a.status === 'ready'), 'uploads');
        view.store.getState().setDraft(text);
        await view.store.getState().send();
      });
      const answerId = view.store.getState().current?.thread.currentLeafId ?? '';
      finish({ ...view, answerId }, answerId, { parts: [{ type: 'text', text: 'Seen.' }] });
    };
    await act(() => loadAll(view.store));
    await ask([pngFile('a.png'), pngFile('b.png')], 'Compare these.');
    await ask([pngFile('c.png')], 'And this one?');
    const labels = screen
      .getAllByTestId('message-image')
      .map((b) => b.getAttribute('aria-label')?.split(':')[0]);
    expect(labels).toEqual(['Image 1', 'Image 2', 'Image 3']);
  });

  it('edits a question and resends it as a new version', async () => {
    const view = await conversation();
    finish(view, view.answerId, { parts: [{ type: 'text', text: 'Answer' }] });
    fireEvent.click(screen.getByTestId('edit-button'));
    const input = screen.getByTestId('edit-input');
    expect((input as HTMLTextAreaElement).value).toBe('What is this?');
    fireEvent.change(input, { target: { value: 'What is that?' } });
    await act(async () => {
      fireEvent.keyDown(input, { key: 'Enter' });
      await settle();
    });
    expect(view.fake.calls.find((c) => c.name === 'chat.edit')?.input).toMatchObject({
      content: [{ type: 'text', text: 'What is that?' }],
    });
    const question = must(screen.getAllByTestId('message-item')[0]);
    expect(within(question).getByText('What is that?')).toBeTruthy();
    expect(within(question).getByTestId('branch-position').textContent).toBe('2/2');
  });
});
