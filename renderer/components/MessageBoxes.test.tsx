// @vitest-environment jsdom
import { act, cleanup, fireEvent, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { GenerationStats } from '../../app/chat.ts';
import type { Message } from '../../app/ipc/contract.ts';
import { loadAll } from '../state/store.ts';
import { fakeStats } from '../testing/fake-api.ts';
import { must, pngFile, until } from '../testing/harness.ts';
import { renderWithServices } from '../testing/render.tsx';
import { MessageList } from './MessageList.tsx';

afterEach(cleanup);

/** A question about a 1000×500 image, answered with `text` by a model of `family`. */
async function answered(text: string, family: string, extra: Partial<GenerationStats> = {}) {
  const view = renderWithServices(<MessageList />);
  await act(async () => {
    await loadAll(view.store);
    view.store.getState().addFiles([pngFile('photo.png', 1000, 500)], 'picker');
    await until(() => view.store.getState().attachments.every((a) => a.status === 'ready'), 'upload');
    view.store.getState().setDraft('Where is the cat?');
    await view.store.getState().send();
  });
  const id = view.store.getState().current?.thread.currentLeafId ?? '';
  const message = must(view.fake.messages.get(id), 'the answer');
  const done: Message = {
    ...message,
    status: 'complete',
    parts: [{ type: 'text', text }],
    stats: { ...fakeStats(5), model: { id: 'm', name: 'A model', family }, ...extra },
  };
  view.fake.messages.set(id, done);
  act(() => view.fake.emit('answer.done', { message: done }));
  // Boxes go over the thumbnail, drawn once its URL has loaded.
  await act(() => until(() => !!screen.getByTestId('message-image').querySelector('img'), 'the thumbnail'));
  return view;
}

describe('boxes from an answer on its question’s image', () => {
  it('draws Qwen2-VL boxes on the question’s image, with the count and a toggle under the answer', async () => {
    await answered('the cat(100,200),(500,600)', 'qwen2_vl');
    const question = must(screen.getAllByTestId('message-item')[0]);
    const box = within(question).getByRole('button', { name: /^the cat, 400×200 pixels/ });
    expect([box.style.left, box.style.top, box.style.width, box.style.height]).toEqual([
      '10%',
      '20%',
      '40%',
      '40%',
    ]);

    const answer = must(screen.getAllByTestId('message-item')[1]);
    expect(within(answer).getByTestId('boxes-note').textContent).toContain('1 box on image 1');
    const toggle = within(answer).getByRole('button', { name: 'Hide boxes' });
    fireEvent.click(toggle);
    expect(screen.queryAllByTestId('image-box')).toHaveLength(0);
    expect(toggle.getAttribute('aria-pressed')).toBe('true');
    fireEvent.click(within(answer).getByRole('button', { name: 'Show boxes' }));
    expect(screen.queryAllByTestId('image-box')).toHaveLength(1);
  });

  it('leaves another family’s notation alone', async () => {
    await answered('the cat(100,200),(500,600)', 'smolvlm');
    expect(screen.queryByTestId('boxes-note')).toBeNull();
    expect(screen.queryAllByTestId('image-box')).toHaveLength(0);
  });
});
