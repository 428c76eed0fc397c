// @vitest-environment jsdom
import { act, cleanup, fireEvent, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type * as Redact from '../lib/redact.ts';
import { readBytes } from '../lib/attachments.ts';
import { loadAll } from '../state/store.ts';
import { must, pngFile, settle, until } from '../testing/harness.ts';
import { renderWithServices } from '../testing/render.tsx';
import { Composer } from './Composer.tsx';
import { RedactPendingDialog } from './RedactDialog.tsx';

// jsdom decodes no images and has no canvas: the burnt-in pixels are checked end to end
// (e2e/redact-before-attach.e2e.test.ts). The redaction here is a file whose bytes say what it is.
const mocks = vi.hoisted(() => ({
  redactToFile: vi.fn(
    async (_url: string, _size: unknown, _strokes: unknown, name: string) =>
      new File(['redacted pixels'], name, { type: 'image/png' }),
  ),
  decodedSize: vi.fn(async () => ({ width: 1920, height: 1080 })),
}));
vi.mock('../lib/redact.ts', async (original) => ({ ...(await original<typeof Redact>()), ...mocks }));

afterEach(() => {
  cleanup();
  mocks.redactToFile.mockClear();
});

/** The composer and the queue's dialog, as App shows them with no other dialog open. */
async function setup({ redactBeforeAttach }: { redactBeforeAttach: boolean }) {
  const view = renderWithServices(
    <>
      <Composer />
      <RedactPendingDialog />
    </>,
  );
  await act(async () => {
    await loadAll(view.store);
    await view.store.getState().updateSettings({ redactBeforeAttach });
  });
  return view;
}

type View = Awaited<ReturnType<typeof setup>>;

function paste(...files: File[]) {
  const items = files.map((file) => ({ kind: 'file', type: file.type, getAsFile: () => file }));
  fireEvent.paste(screen.getByTestId('composer-input'), {
    clipboardData: { items, files: [], types: ['Files'] },
  });
}

const attachCalls = (view: View) =>
  view.fake.calls
    .filter((c) => c.name === 'images.attach')
    .map((c) => c.input as { name: string; data: Uint8Array });

const text = (data: Uint8Array) => new TextDecoder().decode(data);
/** The dialog's accessible name: the heading it is labelled by. */
const title = () => {
  const dialog = screen.getByRole('dialog');
  return document.getElementById(dialog.getAttribute('aria-labelledby') ?? '')?.textContent;
};

/** Waits for the dialog's editor (the image's size decoded) and blacks out the middle with the keys. */
async function markOneBox() {
  await act(async () => {
    await until(() => screen.queryByTestId('region-selection') !== null, 'the redaction editor');
  });
  fireEvent.keyDown(screen.getByTestId('region-selection'), { key: 'Enter' });
  expect(screen.getByTestId('redact-count').textContent).toBe('1 mark');
}

describe('redact new images before attaching them', () => {
  it('holds pasted images in memory, one after another, until each is redacted or attached as is', async () => {
    const view = await setup({ redactBeforeAttach: true });
    const first = pngFile('image.png');
    const second = pngFile('image.png', 800, 600);
    await act(async () => {
      paste(first, second);
      await settle();
    });
    expect(title()).toBe('Redact Pasted image 1.png before attaching (1 of 2)');
    expect(screen.getByTestId('redact-note').textContent).toMatch(/original is never stored or sent/);
    await markOneBox();
    // Nothing of either image has reached the services while the dialog is open.
    expect(attachCalls(view)).toEqual([]);
    expect(view.store.getState().attachments).toEqual([]);

    await act(async () => {
      fireEvent.click(screen.getByTestId('redact-apply'));
      await until(() => view.store.getState().attachments[0]?.status === 'ready', 'the redacted image');
    });
    const [redacted] = attachCalls(view);
    expect(redacted?.name).toBe('Pasted image 1 (redacted).png');
    expect(text(must(redacted).data)).toBe('redacted pixels');
    expect(attachCalls(view)).toHaveLength(1);
    expect(mocks.redactToFile.mock.calls[0]?.[2]).toEqual([
      { kind: 'box', region: { x: 480, y: 270, width: 960, height: 540 } },
    ]);

    // The second opens next, and goes in unchanged.
    expect(title()).toBe('Redact Pasted image 2.png before attaching (2 of 2)');
    await act(async () => {
      fireEvent.click(screen.getByTestId('redact-as-is'));
      await until(() => view.store.getState().attachments[1]?.status === 'ready', 'the original');
    });
    const calls = attachCalls(view);
    expect(calls.map((c) => c.name)).toEqual(['Pasted image 1 (redacted).png', 'Pasted image 2.png']);
    expect(calls[1]?.data).toEqual(await readBytes(second));
    expect(screen.queryByTestId('redact-dialog')).toBeNull();
    expect(view.store.getState().pending).toEqual([]);
  });

  it('attaches nothing when cancelled', async () => {
    const view = await setup({ redactBeforeAttach: true });
    await act(async () => {
      paste(pngFile('image.png'));
      await settle();
    });
    await markOneBox();
    fireEvent.click(screen.getByTestId('redact-cancel'));
    await act(settle);
    expect(screen.queryByTestId('redact-dialog')).toBeNull();
    expect(attachCalls(view)).toEqual([]);
    expect(view.store.getState().attachments).toEqual([]);
    expect(view.store.getState().pending).toEqual([]);
  });

  it('attaches at once, as before, with the setting off', async () => {
    const view = await setup({ redactBeforeAttach: false });
    await act(async () => {
      paste(pngFile('image.png'));
      await until(() => view.store.getState().attachments[0]?.status === 'ready', 'the image');
    });
    expect(screen.queryByTestId('redact-dialog')).toBeNull();
    expect(attachCalls(view).map((c) => c.name)).toEqual(['Pasted image 1.png']);
  });
});
