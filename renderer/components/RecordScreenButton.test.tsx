// @vitest-environment jsdom
import { act, cleanup, fireEvent, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RECORD_DENIED } from '../lib/screen-record.ts';
import { loadAll } from '../state/store.ts';
import { fakeModel } from '../testing/fake/data.ts';
import { settle, until } from '../testing/harness.ts';
import { renderWithServices } from '../testing/render.tsx';
import { Composer } from './Composer.tsx';
import { Toasts } from './Toasts.tsx';

// jsdom cannot record or decode: the browser's part runs end to end (e2e/capture.e2e.test.ts); here, the
// button, the indicator and what reaches the videos slice.
const QWEN = fakeModel({ id: 'qwen2-vl-2b', name: 'Qwen2-VL 2B', family: 'qwen2_vl' });
const SMOLVLM = fakeModel({ id: 'smolvlm-256m', name: 'SmolVLM 256M', family: 'smolvlm' });

const track = { stop: vi.fn(), addEventListener: vi.fn() };
const stream = { getTracks: () => [track], getVideoTracks: () => [track] };

class FakeRecorder {
  static isTypeSupported = () => true;
  state = 'inactive';
  ondataavailable: ((event: { data: Blob }) => void) | null = null;
  onstop: (() => void) | null = null;
  start() {
    this.state = 'recording';
  }
  stop() {
    this.state = 'inactive';
    this.ondataavailable?.({ data: new Blob([new Uint8Array(8)]) });
    this.onstop?.();
  }
}

function picker(getDisplayMedia: () => Promise<unknown>) {
  Object.defineProperty(navigator, 'mediaDevices', { value: { getDisplayMedia }, configurable: true });
}

beforeEach(() => {
  vi.stubGlobal('MediaRecorder', FakeRecorder);
  URL.createObjectURL = () => 'blob:test';
  URL.revokeObjectURL = () => undefined;
});

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  vi.clearAllMocks();
  Reflect.deleteProperty(navigator, 'mediaDevices');
});

async function setup(models = [QWEN]) {
  const view = renderWithServices(
    <>
      <Composer />
      <Toasts />
    </>,
    { models },
  );
  await act(async () => {
    await loadAll(view.store);
    await settle();
  });
  return view;
}

const recordButton = () => screen.getByTestId('record-button') as HTMLButtonElement;

describe('recording the screen from the composer', () => {
  it('records with an indicator and Stop, Escape stops, and the clip becomes a video card', async () => {
    picker(async () => stream);
    const view = await setup();
    await until(() => !recordButton().disabled, 'the button enabled for a video model');
    expect(recordButton().title).toBe('Record the screen as a video (up to 30 s; Escape stops)');
    await act(async () => {
      fireEvent.click(recordButton());
      await settle();
    });
    const indicator = screen.getByTestId('recording-indicator');
    expect(indicator.textContent).toMatch(/Recording 0:00 \/ 0:30Stop$/);
    expect(within(indicator).getByRole('status').textContent).toBe('Recording the screen, up to 30 seconds.');
    // The button it replaced is gone: Stop has the focus.
    expect(document.activeElement).toBe(
      screen.getByRole('button', { name: 'Stop recording (0:00 recorded)' }),
    );
    await act(async () => {
      fireEvent.keyDown(window, { key: 'Escape' });
      await settle();
    });
    await until(() => view.store.getState().videos.length === 1, 'the video card');
    expect(view.store.getState().videos[0]?.name).toMatch(/^Screen recording .*\.webm$/);
    expect(track.stop).toHaveBeenCalled();
    expect(screen.queryByTestId('recording-indicator')).toBeNull();
  });

  it('is disabled, saying why, when the active model does not take video', async () => {
    picker(async () => stream);
    const view = await setup([SMOLVLM]);
    await until(() => recordButton().title.includes('does not take video'), 'the reason');
    expect(recordButton().disabled).toBe(true);
    expect(recordButton().title).toMatch(
      /^Record the screen as a video: SmolVLM 256M \(smolvlm\) does not take/,
    );
    expect(view.store.getState().videos).toHaveLength(0);
  });

  it('in the desktop app, records the screen or window picked in the app’s chooser', async () => {
    picker(async () => stream);
    const PNG = Uint8Array.of(137, 80, 78, 71);
    const view = renderWithServices(<Composer />, {
      models: [QWEN],
      handlers: {
        'capture.sources': () => ({
          ok: true,
          value: {
            kind: 'sources',
            sources: [
              { id: 'screen:0:0', name: 'Entire screen', kind: 'screen', thumbnail: PNG },
              { id: 'window:7:0', name: 'Terminal', kind: 'window', thumbnail: PNG },
            ],
          },
        }),
        'capture.select': () => ({ ok: true, value: {} }),
      },
    });
    await act(async () => {
      await loadAll(view.store);
      await settle();
    });
    await until(() => !recordButton().disabled, 'the button enabled');
    fireEvent.click(recordButton());
    const chooser = await screen.findByRole('dialog', { name: 'Record a screen or window' });
    await act(async () => {
      fireEvent.click(within(chooser).getByRole('button', { name: 'Window: Terminal' }));
      await settle();
    });
    expect(view.fake.calls.find((c) => c.name === 'capture.select')?.input).toEqual({
      sourceId: 'window:7:0',
    });
    expect(screen.queryByRole('dialog')).toBeNull();
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: /^Stop recording/ }));
      await settle();
    });
    await until(() => view.store.getState().videos.length === 1, 'the video card');
  });

  it('says a cancelled picker and attaches nothing', async () => {
    picker(() => Promise.reject(new DOMException('Permission denied', 'NotAllowedError')));
    const view = await setup();
    await until(() => !recordButton().disabled, 'the button enabled');
    await act(async () => {
      fireEvent.click(recordButton());
      await settle();
    });
    expect((await screen.findByTestId('toast')).textContent).toContain(RECORD_DENIED);
    expect(view.store.getState().videos).toHaveLength(0);
    expect(recordButton().disabled).toBe(false);
  });
});
