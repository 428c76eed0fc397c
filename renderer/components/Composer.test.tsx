// @vitest-environment jsdom
import { act, cleanup, fireEvent, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { loadAll } from '../state/store.ts';
import { must, pngFile, settle, until } from '../testing/harness.ts';
import { renderWithServices } from '../testing/render.tsx';
import { Composer } from './Composer.tsx';

afterEach(cleanup);

async function setup() {
  const view = renderWithServices(<Composer />);
  await act(() => loadAll(view.store));
  return view;
}

/** A clipboard the way screenshot tools fill it: the image only in items, `files` empty. */
function clipboard({ files = [] as File[], text = '' } = {}) {
  const items = [
    ...files.map((file) => ({ kind: 'file', type: file.type, getAsFile: () => file })),
    ...(text ? [{ kind: 'string', type: 'text/plain', getAsFile: () => null }] : []),
  ];
  return { items, files: [], types: [...(text ? ['text/plain'] : []), ...(files.length ? ['Files'] : [])] };
}

describe('Composer', () => {
  it('sends on Enter and adds a line on Shift+Enter', async () => {
    const { store, fake } = await setup();
    const input = screen.getByTestId('composer-input');
    fireEvent.change(input, { target: { value: 'line one' } });
    fireEvent.keyDown(input, { key: 'Enter', shiftKey: true });
    expect(fake.calls.some((c) => c.name === 'chat.send')).toBe(false);
    expect(store.getState().draft).toBe('line one');

    // Mid-composition (IME), Enter picks a candidate; it must not send.
    fireEvent.keyDown(input, { key: 'Enter', isComposing: true });
    expect(fake.calls.some((c) => c.name === 'chat.send')).toBe(false);

    await act(async () => {
      fireEvent.keyDown(input, { key: 'Enter' });
      await settle();
    });
    const send = fake.calls.find((c) => c.name === 'chat.send');
    expect(send?.input).toMatchObject({ content: [{ type: 'text', text: 'line one' }] });
    expect(store.getState().draft).toBe('');
  });

  it('disables Send until there is something to send', async () => {
    await setup();
    const send = screen.getByTestId('send-button');
    expect(send).toHaveProperty('disabled', true);
    fireEvent.change(screen.getByTestId('composer-input'), { target: { value: '   ' } });
    expect(send).toHaveProperty('disabled', true);
    fireEvent.change(screen.getByTestId('composer-input'), { target: { value: 'Hi' } });
    expect(send).toHaveProperty('disabled', false);
  });

  it('attaches pasted screenshots from clipboard items, with unique names, and keeps text paste', async () => {
    const { fake } = await setup();
    const input = screen.getByTestId('composer-input');
    await act(async () => {
      const handled = !fireEvent.paste(input, {
        clipboardData: clipboard({ files: [pngFile('image.png')] }),
      });
      expect(handled).toBe(true); // default prevented: no file name is pasted as text
      fireEvent.paste(input, { clipboardData: clipboard({ files: [pngFile('image.png', 800, 600)] }) });
      await until(() => fake.calls.filter((c) => c.name === 'images.attach').length === 2, 'two uploads');
    });
    const items = screen.getAllByTestId('attachment-item');
    expect(items.map((item) => within(item).getByTestId('attachment-label').textContent)).toEqual([
      'Image 1',
      'Image 2',
    ]);
    expect(items[0]?.getAttribute('aria-label')).toBe('Image 1: Pasted image 1.png');
    expect(items[1]?.getAttribute('aria-label')).toBe('Image 2: Pasted image 2.png');
    expect(fake.calls.filter((c) => c.name === 'images.attach')).toHaveLength(2);

    // Plain text: not prevented, so the browser inserts it.
    expect(fireEvent.paste(input, { clipboardData: clipboard({ text: 'hello' }) })).toBe(true);
    expect(screen.getAllByTestId('attachment-item')).toHaveLength(2);
  });

  it('names a pasted PDF by its type, refuses it on its card, and counts pastes per draft', async () => {
    const { store, fake } = await setup();
    const input = screen.getByTestId('composer-input');
    const pdf = new File(['%PDF'], 'image.png', { type: 'application/pdf' });
    await act(async () => {
      fireEvent.paste(input, { clipboardData: clipboard({ files: [pdf] }) });
      fireEvent.paste(input, { clipboardData: clipboard({ files: [pngFile('image.png')] }) });
      await until(() => store.getState().attachments[1]?.status === 'ready', 'the upload');
    });
    const [bad, good] = screen.getAllByTestId('attachment-item');
    expect(bad?.getAttribute('aria-label')).toMatch(/Pasted file 1\.pdf/);
    expect(within(must(bad)).getByTestId('attachment-error').textContent).toBe('Not an image');
    expect(good?.getAttribute('aria-label')).toBe('Image 1: Pasted image 2.png');

    fireEvent.change(input, { target: { value: 'What is this?' } });
    await act(async () => {
      fireEvent.click(screen.getByTestId('send-button'));
      await settle();
    });
    expect(fake.calls.some((c) => c.name === 'chat.send')).toBe(true);
    // The refused card stays; the next draft's pastes count from 1 again.
    await act(async () => {
      fireEvent.paste(input, { clipboardData: clipboard({ files: [pngFile('image.png')] }) });
      await until(() => store.getState().attachments.some((a) => a.status === 'ready'), 'the upload');
    });
    expect(store.getState().attachments.map((a) => a.name)).toEqual([
      'Pasted file 1.pdf',
      'Pasted image 1.png',
    ]);

    // Another thread's draft: counting starts again.
    act(() => store.getState().clearComposer());
    await act(async () => {
      fireEvent.paste(input, { clipboardData: clipboard({ files: [pngFile('image.png')] }) });
      await settle();
    });
    expect(store.getState().attachments.map((a) => a.name)).toEqual(['Pasted image 1.png']);
  });

  it('shows a tile overlay per ready image and a Low/High control that re-plans it', async () => {
    const { store } = await setup();
    await act(async () => {
      store.getState().addFiles([pngFile('shot.png', 1920, 1080)], 'picker');
      await until(() => Boolean(store.getState().attachments[0]?.plans.low), 'both plans');
    });
    const overlay = screen.getByTestId('tile-overlay');
    expect(overlay.dataset.detail).toBe('high');
    expect(within(overlay).getAllByTestId('tile')).toHaveLength(12);
    // The global view's label is under the image, not over its tiles.
    expect(within(overlay).queryByTestId('tile-global-label')).toBeNull();
    expect(screen.getByTestId('tile-global-label').textContent).toBe('global 512×512 · 64 tokens');
    expect(screen.getByTestId('attachment-tokens').textContent).toBe('873 tokens');
    expect(screen.getByTestId('attachment-tokens').title).toBe(
      '1920×1080 px, resized to 2048×1536 · 3 × 4 tiles + global',
    );

    await act(async () => {
      fireEvent.click(screen.getByTestId('detail-low'));
      await settle();
    });
    expect(screen.getByTestId('tile-overlay').dataset.detail).toBe('low');
    expect(screen.queryAllByTestId('tile')).toHaveLength(0);
    expect(store.getState().attachments[0]?.detail).toBe('low');
  });

  it('marks a non-image inline, numbers only the images, and still sends them', async () => {
    const view = await setup();
    const { fake } = view;
    const drop = new File(['%PDF'], 'report.pdf', { type: 'application/pdf' });
    await act(async () => {
      fireEvent.drop(screen.getByTestId('composer'), {
        dataTransfer: { files: [drop, pngFile('b.png')], items: [], types: ['Files'] },
      });
      await until(() => view.store.getState().attachments[1]?.status === 'ready', 'the upload');
    });
    const [bad, good] = screen.getAllByTestId('attachment-item').map((item) => within(item));
    expect(must(bad).getByTestId('attachment-error').textContent).toBe('Not an image');
    expect(must(bad).getByTestId('attachment-label').textContent).toBe('Not sent');
    expect(must(good).getByTestId('attachment-label').textContent).toBe('Image 1');
    await act(async () => {
      fireEvent.click(screen.getByTestId('send-button'));
      await settle();
    });
    const send = fake.calls.find((c) => c.name === 'chat.send')?.input as {
      content: Array<{ type: string }>;
    };
    expect(send.content.map((p) => p.type)).toEqual(['image']);
  });

  it('turns Send into Stop while an answer is being written', async () => {
    const { store, fake } = await setup();
    fireEvent.change(screen.getByTestId('composer-input'), { target: { value: 'Hi' } });
    await act(async () => {
      fireEvent.click(screen.getByTestId('send-button'));
      await settle();
    });
    const stop = screen.getByTestId('stop-button');
    const answerId = store.getState().current?.thread.currentLeafId;
    await act(async () => {
      fireEvent.click(stop);
      await settle();
    });
    expect(fake.calls.find((c) => c.name === 'chat.stop')?.input).toEqual({ messageId: answerId });
    expect(screen.getByTestId('send-button')).toBeTruthy();
  });
});
