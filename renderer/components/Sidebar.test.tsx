// @vitest-environment jsdom
import { act, cleanup, fireEvent, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { loadAll } from '../state/store.ts';
import { must, settle } from '../testing/harness.ts';
import { renderWithServices } from '../testing/render.tsx';
import { Sidebar } from './Sidebar.tsx';
import { visibleRange } from './VirtualList.tsx';

afterEach(cleanup);

async function sidebarWith(count: number) {
  const view = renderWithServices(<Sidebar open />);
  for (let i = 0; i < count; i++) await view.api['threads.create']({ title: `Thread ${i + 1}` });
  await act(() => loadAll(view.store));
  return view;
}

describe('Sidebar', () => {
  it('renders only the rows in view of thousands, most recent first', async () => {
    await sidebarWith(3000);
    const rows = screen.getAllByTestId('thread-item');
    expect(rows.length).toBeGreaterThan(10);
    expect(rows.length).toBeLessThan(60);
    expect(rows[0]?.textContent).toMatch(/^Thread 3000/);
    expect(rows[0]?.parentElement?.getAttribute('aria-setsize')).toBe('3000');
    expect(screen.getByTestId('thread-list').style.height).toBe(`${3000 * 40}px`);
  });

  it('searches on the services, debounced', async () => {
    const view = await sidebarWith(30);
    const box = screen.getByTestId('thread-search');
    await act(async () => {
      fireEvent.change(box, { target: { value: 'Thread 1' } });
      fireEvent.change(box, { target: { value: 'Thread 12' } });
      await new Promise((resolve) => setTimeout(resolve, 260));
      await settle();
    });
    const searches = view.fake.calls.filter(
      (c) => c.name === 'threads.list' && 'query' in (c.input as object),
    );
    expect(searches.map((c) => (c.input as { query: string }).query)).toEqual(['Thread 12']);
    expect(screen.getAllByTestId('thread-item').map((r) => r.dataset.threadId)).toHaveLength(1);
  });

  it("shows a search result's snippet as plain text with the match marked", async () => {
    const view = await sidebarWith(1);
    act(() =>
      view.store.setState({
        threadQuery: 'orange',
        threadList: [{ id: 't1', title: 'Cats', updatedAt: 1, snippet: '…the **Orange** cat sat on `mat`…' }],
      }),
    );
    const snippet = screen.getByTestId('thread-snippet');
    expect(snippet.textContent).toBe('…the Orange cat sat on mat…');
    expect([...snippet.querySelectorAll('mark')].map((m) => m.textContent)).toEqual(['Orange']);
  });

  it('renames inline: Enter saves, Escape cancels', async () => {
    const view = await sidebarWith(2);
    const row = must(screen.getAllByTestId('thread-item')[0]);
    fireEvent.click(within(row).getByTestId('thread-rename'));
    const input = screen.getByTestId('thread-rename-input');
    fireEvent.change(input, { target: { value: 'Login error' } });
    await act(async () => {
      fireEvent.keyDown(input, { key: 'Enter' });
      await settle();
    });
    expect(screen.getAllByTestId('thread-item')[0]?.textContent).toMatch(/^Login error/);
    expect(view.fake.calls.find((c) => c.name === 'threads.rename')?.input).toMatchObject({
      title: 'Login error',
    });

    fireEvent.click(within(must(screen.getAllByTestId('thread-item')[1])).getByTestId('thread-rename'));
    fireEvent.change(screen.getByTestId('thread-rename-input'), { target: { value: 'nope' } });
    fireEvent.keyDown(screen.getByTestId('thread-rename-input'), { key: 'Escape' });
    expect(screen.getAllByTestId('thread-item')[1]?.textContent).toMatch(/^Thread 1/);
  });

  it('moves between threads with the arrow keys', async () => {
    await sidebarWith(3);
    const [first, second, third] = screen.getAllByTestId('thread-open').map((b) => must(b));
    first?.focus();
    fireEvent.keyDown(must(first), { key: 'ArrowDown' });
    expect(document.activeElement).toBe(second);
    fireEvent.keyDown(must(second), { key: 'End' });
    expect(document.activeElement).toBe(third);
  });
});

it('visibleRange covers the viewport plus overscan, clamped to the list', () => {
  expect(visibleRange(0, 400, 40, 1000, 5)).toEqual({ start: 0, end: 15 });
  expect(visibleRange(4000, 400, 40, 1000, 5)).toEqual({ start: 95, end: 115 });
  expect(visibleRange(39_800, 400, 40, 1000, 5)).toEqual({ start: 990, end: 1000 });
  expect(visibleRange(0, 400, 40, 0, 5)).toEqual({ start: 0, end: 0 });
});
