// @vitest-environment jsdom
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { Message } from '../../app/ipc/contract.ts';
import { loadAll } from '../state/store.ts';
import { fakeStats } from '../testing/fake-api.ts';
import type { FakeApiOptions } from '../testing/fake/state.ts';
import { must } from '../testing/harness.ts';
import { renderWithServices } from '../testing/render.tsx';
import { MessageList } from './MessageList.tsx';

afterEach(cleanup);

const ANSWER = 'A red boat\n\non calm water.';

/** A thread with one finished answer, its stats as `stats` says (a local model unless told otherwise). */
async function answered(stats: Message['stats'] = fakeStats(6), handlers: FakeApiOptions['handlers'] = {}) {
  const view = renderWithServices(<MessageList />, { handlers });
  await act(async () => {
    await loadAll(view.store);
    view.store.getState().setDraft('What is this?');
    await view.store.getState().send();
  });
  const id = view.store.getState().current?.thread.currentLeafId ?? '';
  const done: Message = {
    ...must(view.fake.messages.get(id)),
    parts: [{ type: 'text', text: ANSWER }],
    status: 'complete',
    stats,
  };
  view.fake.messages.set(id, done);
  act(() => view.fake.emit('answer.done', { message: done }));
  return { view, id };
}

describe('Show confidence on an answer', () => {
  it('shades the words the model was unsure of, with a legend, and back to the Markdown', async () => {
    const { view, id } = await answered();
    const toggle = screen.getByRole('button', { name: 'Show confidence' });
    expect(toggle.getAttribute('aria-pressed')).toBe('false');
    fireEvent.click(toggle);
    expect(toggle.getAttribute('aria-pressed')).toBe('true');
    const text = await screen.findByTestId('confidence-text');
    expect(view.fake.calls.find((c) => c.name === 'chat.confidence')?.input).toEqual({ messageId: id });
    // The plain text as written, line breaks kept.
    expect(text.textContent?.replace(/ \(\d+ % sure\)/g, '')).toBe(ANSWER);
    const words = within(text).getAllByTestId('confidence-word');
    expect(words.map((w) => w.getAttribute('data-level'))).toEqual([
      'high',
      'high',
      'high',
      'low',
      'high',
      'high',
    ]);
    // Not colour alone: the unsure word says so in words to a screen reader and is a tab stop.
    const unsure = must(words[3]);
    expect(unsure.textContent).toBe('on (20 % sure)');
    expect(unsure.tabIndex).toBe(0);
    expect(must(words[0]).hasAttribute('tabindex')).toBe(false);
    expect(screen.getByTestId('confidence-count').textContent).toContain('1 word below 80 %');
    expect(screen.getByTestId('confidence-view').id).toBe(toggle.getAttribute('aria-controls'));

    fireEvent.click(toggle);
    expect(screen.queryByTestId('confidence-view')).toBeNull();
    expect(screen.getByText(/A red boat/).closest('.answer-body')).toBeTruthy();
  });

  it('shows the alternatives of a word on hover and on focus, tied to it, and Escape hides them', async () => {
    await answered();
    fireEvent.click(screen.getByRole('button', { name: 'Show confidence' }));
    const text = await screen.findByTestId('confidence-text');
    const unsure = must(within(text).getAllByTestId('confidence-word')[3]);
    fireEvent.focus(unsure);
    const tip = screen.getByRole('tooltip');
    expect(unsure.getAttribute('aria-describedby')).toBe(tip.id);
    expect(tip.textContent).toContain('“on”: 20 %');
    expect(within(tip).getByText('“perhaps”').nextElementSibling?.textContent).toBe('15 %');
    expect(tip.textContent).toContain('end of answer or another special token');
    fireEvent.keyDown(unsure, { key: 'Escape' });
    expect(screen.queryByRole('tooltip')).toBeNull();
    fireEvent.blur(unsure);

    const sure = must(within(text).getAllByTestId('confidence-word')[0]);
    fireEvent.mouseEnter(sure);
    expect(screen.getByRole('tooltip').textContent).toContain('“A”: 97 %');
    fireEvent.mouseLeave(sure);
    expect(screen.queryByRole('tooltip')).toBeNull();
  });

  it('says when an answer has no confidence recorded, and when it cannot be read', async () => {
    await answered(fakeStats(6), { 'chat.confidence': () => ({ ok: true, value: null }) });
    fireEvent.click(screen.getByRole('button', { name: 'Show confidence' }));
    expect((await screen.findByTestId('confidence-none')).textContent).toMatch(/No confidence was recorded/);
    cleanup();

    await answered(fakeStats(6), {
      'chat.confidence': () => ({ ok: false, error: { code: 'NOT_FOUND', message: 'No such message.' } }),
    });
    fireEvent.click(screen.getByRole('button', { name: 'Show confidence' }));
    await waitFor(() =>
      expect(screen.getByRole('alert').textContent).toMatch(/Could not load the confidence/),
    );
  });

  it('is not offered for a remote model’s answer', async () => {
    const stats = {
      ...fakeStats(6),
      model: {
        id: 'r',
        name: 'remote',
        family: 'qwen2_vl',
        server: { name: 'vLLM', baseUrl: 'http://x/v1' },
      },
    };
    await answered(stats);
    expect(screen.getByRole('button', { name: 'Anatomy' })).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Show confidence' })).toBeNull();
  });
});
