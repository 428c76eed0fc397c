// @vitest-environment jsdom
import { act, cleanup, fireEvent, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CaptureSource } from '../../app/ipc/contract.ts';
import { CAPTURE_DENIED } from '../lib/capture.ts';
import { loadAll } from '../state/store.ts';
import type { FakeApiOptions } from '../testing/fake-api.ts';
import { until } from '../testing/harness.ts';
import { renderWithServices } from '../testing/render.tsx';
import { Composer } from './Composer.tsx';
import { Toasts } from './Toasts.tsx';

const { createObjectURL, revokeObjectURL } = URL;
let made = 0;

beforeEach(() => {
  // jsdom has no object URLs.
  Object.assign(URL, {
    createObjectURL: () => `blob:test/${++made}`,
    revokeObjectURL: () => {},
  });
});

afterEach(() => {
  cleanup();
  Object.assign(URL, { createObjectURL, revokeObjectURL });
  Reflect.deleteProperty(navigator, 'mediaDevices');
});

const PNG = Uint8Array.of(137, 80, 78, 71, 13, 10, 26, 10);
const sources: CaptureSource[] = [
  { id: 'screen:0:0', name: 'Entire screen', kind: 'screen', thumbnail: PNG },
  { id: 'window:7:0', name: 'Terminal', kind: 'window', thumbnail: PNG },
];

async function setup(handlers: FakeApiOptions['handlers'] = {}) {
  const view = renderWithServices(
    <>
      <Composer />
      <Toasts />
    </>,
    { handlers },
  );
  await act(async () => loadAll(view.store));
  return view;
}

const desktop: FakeApiOptions['handlers'] = {
  'capture.sources': () => ({ ok: true, value: { kind: 'sources', sources } }),
  'capture.take': () => ({
    ok: true,
    value: { name: 'Screenshot 2026-12-07 05-04-09.png', png: PNG, width: 64, height: 40 },
  }),
};

describe('the capture button in the desktop app', () => {
  it('lists screens and windows, captures the chosen one without the window for a screen, and attaches it whole', async () => {
    const view = await setup(desktop);
    fireEvent.click(screen.getByRole('button', { name: /Capture the screen/ }));
    const chooser = await screen.findByRole('dialog', { name: 'Capture a screen or window' });
    const buttons = within(chooser).getAllByTestId('capture-source');
    expect(buttons.map((b) => b.textContent)).toEqual(['Screen: Entire screen', 'Window: Terminal']);
    fireEvent.click(buttons[0] as HTMLElement);
    const dialog = await screen.findByRole('dialog', { name: 'Screenshot' });
    expect(view.fake.calls.find((c) => c.name === 'capture.take')?.input).toEqual({
      sourceId: 'screen:0:0',
      hideWindow: true,
    });
    expect(dialog.textContent).toContain('Screenshot 2026-12-07 05-04-09.png · 64×40');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Attach whole screenshot' }));
    expect(screen.queryByRole('dialog')).toBeNull();
    await until(() => view.store.getState().attachments.length === 1, 'the attachment');
    expect(view.store.getState().attachments[0]?.name).toBe('Screenshot 2026-12-07 05-04-09.png');
  });

  it('captures a window as it is, and Cancel attaches nothing', async () => {
    const view = await setup(desktop);
    fireEvent.click(screen.getByRole('button', { name: /Capture the screen/ }));
    const chooser = await screen.findByRole('dialog', { name: 'Capture a screen or window' });
    fireEvent.click(within(chooser).getAllByTestId('capture-source')[1] as HTMLElement);
    const dialog = await screen.findByRole('dialog', { name: 'Screenshot' });
    expect(view.fake.calls.find((c) => c.name === 'capture.take')?.input).toMatchObject({
      hideWindow: false,
    });
    fireEvent.click(within(dialog).getAllByRole('button', { name: 'Cancel' })[0] as HTMLElement);
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(view.store.getState().attachments).toHaveLength(0);
  });

  it('opens the chooser when the global shortcut is pressed', async () => {
    const view = await setup(desktop);
    act(() => view.fake.emit('capture.requested', {}));
    expect(await screen.findByRole('dialog', { name: 'Capture a screen or window' })).toBeTruthy();
  });

  it('says where to allow screen recording when macOS denies it, and opens nothing', async () => {
    const reason = 'Tessera may not record the screen. Allow it in System Settings.';
    await setup({ 'capture.sources': () => ({ ok: true, value: { kind: 'denied', reason } }) });
    fireEvent.click(screen.getByRole('button', { name: /Capture the screen/ }));
    expect((await screen.findByTestId('toast')).textContent).toContain(reason);
    expect(screen.queryByRole('dialog')).toBeNull();
  });

  it('says why a capture failed', async () => {
    await setup({
      ...desktop,
      'capture.take': () => ({
        ok: false,
        error: { code: 'NOT_FOUND', message: 'That screen or window is no longer there.' },
      }),
    });
    fireEvent.click(screen.getByRole('button', { name: /Capture the screen/ }));
    const chooser = await screen.findByRole('dialog', { name: 'Capture a screen or window' });
    fireEvent.click(within(chooser).getAllByTestId('capture-source')[0] as HTMLElement);
    expect((await screen.findByTestId('toast')).textContent).toContain('Could not capture Entire screen');
  });
});

describe('the capture button in the browser', () => {
  it('uses the browser picker; a cancelled or refused picker says so and attaches nothing', async () => {
    const getDisplayMedia = vi.fn(() =>
      Promise.reject(new DOMException('Permission denied', 'NotAllowedError')),
    );
    Object.defineProperty(navigator, 'mediaDevices', { value: { getDisplayMedia }, configurable: true });
    const view = await setup();
    fireEvent.click(screen.getByRole('button', { name: /Capture the screen/ }));
    expect((await screen.findByTestId('toast')).textContent).toContain(CAPTURE_DENIED);
    expect(getDisplayMedia).toHaveBeenCalledWith({ video: true, audio: false });
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(view.store.getState().attachments).toHaveLength(0);
    // The button works again after a refusal.
    expect((screen.getByRole('button', { name: /Capture the screen/ }) as HTMLButtonElement).disabled).toBe(
      false,
    );
  });

  it('says so when the browser cannot capture at all', async () => {
    Object.defineProperty(navigator, 'mediaDevices', { value: {}, configurable: true });
    await setup();
    fireEvent.click(screen.getByRole('button', { name: /Capture the screen/ }));
    expect((await screen.findByTestId('toast')).textContent).toContain(
      'This browser cannot capture the screen',
    );
  });
});
