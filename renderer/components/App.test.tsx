// @vitest-environment jsdom
import { act, cleanup, fireEvent, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { loadAll } from '../state/store.ts';
import { must, settle, until } from '../testing/harness.ts';
import { renderWithServices } from '../testing/render.tsx';
import { App } from './App.tsx';

afterEach(cleanup);

async function app(options: Parameters<typeof renderWithServices>[1] = {}) {
  const view = renderWithServices(<App />, options);
  await act(() => loadAll(view.store));
  return view;
}

describe('App', () => {
  it('explains how to add a model when there is none', async () => {
    await app({ models: [] });
    expect(screen.getByTestId('no-model').textContent).toMatch(/tessera serve --model-dir/);
  });

  it('keyboard: Ctrl+N new thread, Ctrl+K search, Ctrl+L composer, ? help, Escape stop', async () => {
    const view = await app();
    await act(async () => {
      fireEvent.keyDown(window, { key: 'n', ctrlKey: true });
      await settle();
    });
    expect(view.fake.threads.size).toBe(1);
    expect(document.activeElement).toBe(screen.getByTestId('composer-input'));

    fireEvent.keyDown(window, { key: 'k', ctrlKey: true });
    expect(document.activeElement).toBe(screen.getByTestId('thread-search'));
    fireEvent.keyDown(window, { key: 'l', metaKey: true });
    expect(document.activeElement).toBe(screen.getByTestId('composer-input'));

    // "?" typed into a text field is text, not a shortcut.
    fireEvent.keyDown(screen.getByTestId('composer-input'), { key: '?' });
    expect(screen.queryByTestId('help-dialog')).toBeNull();
    fireEvent.keyDown(document.body, { key: '?' });
    expect(screen.getByTestId('help-dialog').textContent).toMatch(/Search threads/);
    fireEvent.keyDown(screen.getByTestId('help-dialog'), { key: 'Escape' });
    expect(screen.queryByTestId('help-dialog')).toBeNull();

    fireEvent.change(screen.getByTestId('composer-input'), { target: { value: 'Hi' } });
    await act(async () => {
      fireEvent.click(screen.getByTestId('send-button'));
      await settle();
    });
    await act(async () => {
      fireEvent.keyDown(document.body, { key: 'Escape' });
      await settle();
    });
    expect(view.fake.calls.some((c) => c.name === 'chat.stop')).toBe(true);
  });

  it('opens the tile view of an image in a sent message', async () => {
    const view = await app();
    await act(async () => {
      view.store
        .getState()
        .addFiles([new File([new Uint8Array(24)], 'x.png', { type: 'image/png' })], 'picker');
      await until(() => view.store.getState().attachments[0]?.status === 'ready', 'the upload');
      view.store.getState().setDraft('What is this?');
      await view.store.getState().send();
    });
    await act(async () => {
      fireEvent.click(screen.getByTestId('message-image'));
      await settle();
    });
    const dialog = screen.getByTestId('tile-dialog');
    expect(dialog.querySelectorAll('[data-testid="tile"]').length).toBeGreaterThan(0);
    expect(screen.getByTestId('plan-facts').textContent).toMatch(/1920×1080/);
  });

  it('attaches files dropped anywhere in the window, once', async () => {
    const view = await app();
    const file = new File([new Uint8Array(24)], 'drop.png', { type: 'image/png' });
    const data = { types: ['Files'], files: [file], items: [] };
    await act(async () => {
      fireEvent.drop(screen.getByTestId('thread-empty'), { dataTransfer: data });
      fireEvent.drop(screen.getByTestId('composer-input'), { dataTransfer: data });
      await settle();
    });
    expect(view.store.getState().attachments.map((a) => a.name)).toEqual(['drop.png', 'drop.png']);
  });

  it('shows the drop overlay over the whole window while files are dragged anywhere in it', async () => {
    await app();
    const data = { types: ['Files'], files: [], items: [] };
    const sidebar = screen.getByTestId('sidebar');
    const composer = screen.getByTestId('composer-input');
    expect(screen.queryByTestId('drop-overlay')).toBeNull();
    act(() => void fireEvent.dragEnter(sidebar, { dataTransfer: data }));
    expect(screen.getByTestId('drop-overlay')).toBeTruthy();
    // Crossing from one element into another: enter the next, then leave the last.
    act(() => void fireEvent.dragEnter(composer, { dataTransfer: data }));
    act(() => void fireEvent.dragLeave(sidebar, { dataTransfer: data }));
    expect(screen.getByTestId('drop-overlay')).toBeTruthy();
    act(() => void fireEvent.dragLeave(composer, { dataTransfer: data }));
    expect(screen.queryByTestId('drop-overlay')).toBeNull();

    // Text being dragged is not a drop of files.
    act(() => void fireEvent.dragEnter(sidebar, { dataTransfer: { types: ['text/plain'] } }));
    expect(screen.queryByTestId('drop-overlay')).toBeNull();

    // A drop ends it, on the composer as elsewhere.
    act(() => void fireEvent.dragEnter(composer, { dataTransfer: data }));
    await act(async () => {
      fireEvent.drop(composer, { dataTransfer: data });
      await settle();
    });
    expect(screen.queryByTestId('drop-overlay')).toBeNull();
  });

  it('settings: choosing a theme applies it to the page', async () => {
    const view = await app();
    fireEvent.click(screen.getByTestId('open-settings'));
    const dark = screen.getAllByTestId('theme-option').find((o) => o.textContent === 'Dark');
    await act(async () => {
      fireEvent.click(must(must(dark).querySelector('input')));
      await settle();
    });
    expect(document.documentElement.dataset.theme).toBe('dark');
    expect(view.fake.settings.theme).toBe('dark');
  });
});
