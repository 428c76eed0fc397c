/** The desktop app's screen capture (issue 18), with plain stand-ins for desktopCapturer and the window. */
import { describe, expect, it, vi } from 'vitest';
import { TesseraError } from '../../app/errors.ts';
import {
  CAPTURE_SHORTCUT,
  SCREEN_RECORDING_DENIED,
  THUMBNAIL_SIZE,
  captureHandlers,
  captureName,
  capturePermissionCheck,
  capturePermissionRequest,
  displayMediaRequestHandler,
  registerCaptureShortcut,
} from './capture.ts';
import type { CaptureDeps, CaptureWindow, DisplayChoice, SourceLike } from './capture.ts';

function image(width: number, height: number, bytes = [137, 80, 78, 71]) {
  return {
    toPNG: () => Buffer.from(bytes),
    getSize: () => ({ width, height }),
    isEmpty: () => width === 0,
  };
}

/** Records what happened, in order, so hiding around a capture can be checked. */
function harness(overrides: Partial<CaptureDeps> = {}) {
  const log: string[] = [];
  let visible = true;
  const win: CaptureWindow = {
    hide: () => (log.push('hide'), (visible = false)),
    show: () => (log.push('show'), (visible = true)),
    focus: () => void log.push('focus'),
    isVisible: () => visible,
  };
  const calls: Array<Parameters<CaptureDeps['getSources']>[0]> = [];
  const deps: CaptureDeps = {
    getSources: async (options) => {
      calls.push(options);
      log.push(`sources(${visible ? 'window shown' : 'window hidden'})`);
      const full = options.thumbnailSize.width > THUMBNAIL_SIZE.width;
      const sources: SourceLike[] = [
        { id: 'screen:0:0', name: 'Entire screen', thumbnail: full ? image(2880, 1800) : image(320, 200) },
        { id: 'window:42:0', name: 'Terminal', thumbnail: full ? image(1200, 800) : image(300, 200) },
      ];
      return sources.filter((s) => options.types.includes(s.id.startsWith('screen') ? 'screen' : 'window'));
    },
    largestDisplay: () => ({ width: 2880, height: 1800 }),
    platform: 'linux',
    screenAccess: () => 'granted',
    window: () => win,
    settle: async () => void log.push('settled'),
    now: () => new Date(2026, 11, 7, 5, 4, 9),
    ...overrides,
  };
  return { handlers: captureHandlers(deps), deps, log, calls, win };
}

describe('capture.sources', () => {
  it('lists screens and windows with small PNG thumbnails', async () => {
    const { handlers, calls } = harness();
    const answer = await handlers['capture.sources']({});
    expect(calls[0]).toEqual({ types: ['screen', 'window'], thumbnailSize: THUMBNAIL_SIZE });
    expect(answer).toEqual({
      kind: 'sources',
      sources: [
        {
          id: 'screen:0:0',
          name: 'Entire screen',
          kind: 'screen',
          thumbnail: Uint8Array.of(137, 80, 78, 71),
        },
        { id: 'window:42:0', name: 'Terminal', kind: 'window', thumbnail: Uint8Array.of(137, 80, 78, 71) },
      ],
    });
  });

  it('on macOS with Screen Recording denied, says where to allow it and lists nothing', async () => {
    const getSources = vi.fn();
    for (const status of ['denied', 'restricted']) {
      const { handlers } = harness({ platform: 'darwin', screenAccess: () => status, getSources });
      expect(await handlers['capture.sources']({})).toEqual({
        kind: 'denied',
        reason: SCREEN_RECORDING_DENIED,
      });
      await expect(handlers['capture.take']({ sourceId: 'screen:0:0', hideWindow: true })).rejects.toThrow(
        /System Settings → Privacy & Security → Screen Recording/,
      );
    }
    expect(getSources).not.toHaveBeenCalled();
    // Elsewhere the status is not asked: only macOS has it.
    const linux = harness({ platform: 'linux', screenAccess: () => 'denied' });
    expect((await linux.handlers['capture.sources']({})).kind).toBe('sources');
  });
});

describe('capture.take', () => {
  it('hides the window around a region capture, at full size, and shows it again', async () => {
    const { handlers, log, calls } = harness();
    const shot = await handlers['capture.take']({ sourceId: 'screen:0:0', hideWindow: true });
    expect(shot).toEqual({
      name: 'Screenshot 2026-12-07 05-04-09.png',
      png: Uint8Array.of(137, 80, 78, 71),
      width: 2880,
      height: 1800,
    });
    expect(calls.at(-1)).toEqual({ types: ['screen'], thumbnailSize: { width: 2880, height: 1800 } });
    expect(log).toEqual(['hide', 'settled', 'sources(window hidden)', 'show', 'focus']);
  });

  it('leaves the window alone when asked to, and for a window capture', async () => {
    const { handlers, log } = harness();
    const shot = await handlers['capture.take']({ sourceId: 'window:42:0', hideWindow: false });
    expect(shot.width).toBe(1200);
    expect(log).toEqual(['sources(window shown)']);
  });

  it('shows the window again when the source is gone or came back empty', async () => {
    const { handlers, log } = harness();
    const gone = handlers['capture.take']({ sourceId: 'screen:9:0', hideWindow: true });
    await expect(gone).rejects.toThrow('That screen or window is no longer there.');
    await expect(gone).rejects.toBeInstanceOf(TesseraError);
    expect(log.at(-2)).toBe('show');

    const empty = harness({
      getSources: async () => [{ id: 'screen:0:0', name: 'Screen', thumbnail: image(0, 0) }],
    });
    await expect(
      empty.handlers['capture.take']({ sourceId: 'screen:0:0', hideWindow: true }),
    ).rejects.toThrow(/came back empty/);
    expect(empty.log).toEqual(['hide', 'settled', 'show', 'focus']);
  });
});

describe('permissions', () => {
  it('grant display capture to the app page only, and nothing else to anyone', () => {
    const ask = (permission: string, requestingUrl: string) => {
      const callback = vi.fn();
      capturePermissionRequest(null, permission, callback, { requestingUrl });
      return callback.mock.calls[0]?.[0] as boolean;
    };
    expect(ask('display-capture', 'app://bundle/index.html')).toBe(true);
    expect(ask('display-capture', 'https://example.com/')).toBe(false);
    expect(ask('display-capture', 'app://user:pw@bundle/index.html')).toBe(false);
    expect(ask('display-capture', 'app://other/index.html')).toBe(false);
    expect(ask('media', 'app://bundle/index.html')).toBe(false);
    expect(ask('notifications', 'app://bundle/index.html')).toBe(false);
    const noDetails = vi.fn();
    capturePermissionRequest(null, 'display-capture', noDetails);
    expect(noDetails).toHaveBeenCalledWith(false);
    expect(capturePermissionCheck(null, 'display-capture', 'app://bundle')).toBe(true);
    expect(capturePermissionCheck(null, 'display-capture', 'file:///etc/passwd')).toBe(false);
    expect(capturePermissionCheck(null, 'geolocation', 'app://bundle')).toBe(false);
  });

  it('answer getDisplayMedia with the first screen for the app page, nothing for another frame', async () => {
    const screenSource = { id: 'screen:0:0', name: 'Screen', thumbnail: image(1, 1) };
    const handler = displayMediaRequestHandler({ getSources: async () => [screenSource] });
    const answer = (url: string) =>
      new Promise((resolve) => handler({ frame: { url } }, (streams) => resolve(streams)));
    expect(await answer('app://bundle/index.html')).toEqual({ video: screenSource });
    expect(await answer('https://evil.example/')).toEqual({});
  });

  it('gives a recording the source capture.select chose, once, and nothing when it is gone', async () => {
    const screens = [
      { id: 'screen:0:0', name: 'Screen 1', thumbnail: image(1, 1) },
      { id: 'screen:1:0', name: 'Screen 2', thumbnail: image(1, 1) },
    ];
    const windows = [{ id: 'window:7:0', name: 'Terminal', thumbnail: image(1, 1) }];
    const asked: string[][] = [];
    const { deps } = harness({
      getSources: async ({ types }) => {
        asked.push(types);
        return types[0] === 'window' ? windows : screens;
      },
    });
    const choice: DisplayChoice = { sourceId: null };
    const handlers = captureHandlers(deps, choice);
    const handler = displayMediaRequestHandler(deps, choice);
    const answer = () =>
      new Promise((resolve) => handler({ frame: { url: 'app://bundle/index.html' } }, resolve));
    expect(await handlers['capture.select']({ sourceId: 'window:7:0' })).toEqual({});
    expect(await answer()).toEqual({ video: windows[0] });
    // Taken once: the next request is the first screen again.
    expect(await answer()).toEqual({ video: screens[0] });
    await handlers['capture.select']({ sourceId: 'screen:1:0' });
    expect(await answer()).toEqual({ video: screens[1] });
    await handlers['capture.select']({ sourceId: 'window:99:0' });
    expect(await answer()).toEqual({});
    expect(asked).toEqual([['window'], ['screen'], ['screen'], ['window']]);
  });

  it('refuses capture.select where macOS denies Screen Recording, saying where to allow it', async () => {
    const { deps } = harness({ platform: 'darwin', screenAccess: () => 'denied' });
    await expect(captureHandlers(deps)['capture.select']({ sourceId: 'screen:0:0' })).rejects.toThrow(
      SCREEN_RECORDING_DENIED,
    );
  });
});

describe('the capture shortcut', () => {
  function registry() {
    const registered = new Map<string, () => void>();
    return {
      registered,
      register: (accelerator: string, callback: () => void) =>
        registered.has(accelerator) ? false : (registered.set(accelerator, callback), true),
      unregister: (accelerator: string) => void registered.delete(accelerator),
    };
  }

  it('is registered, shows and focuses a hidden window and asks it to capture, and is unregistered', () => {
    const shortcuts = registry();
    const { win, log } = harness();
    win.hide();
    const requested = vi.fn();
    const { registered, unregister } = registerCaptureShortcut(shortcuts, () => win, requested);
    expect(registered).toBe(true);
    shortcuts.registered.get(CAPTURE_SHORTCUT)?.();
    expect(log).toEqual(['hide', 'show', 'focus']);
    expect(requested).toHaveBeenCalledOnce();
    unregister();
    expect(shortcuts.registered.size).toBe(0);
  });

  it('when another app owns the keys, says so and unregisters nothing of theirs', () => {
    const shortcuts = registry();
    const theirs = vi.fn();
    shortcuts.registered.set(CAPTURE_SHORTCUT, theirs);
    const { registered, unregister } = registerCaptureShortcut(shortcuts, () => null, vi.fn());
    expect(registered).toBe(false);
    unregister();
    expect(shortcuts.registered.get(CAPTURE_SHORTCUT)).toBe(theirs);
  });

  it('does nothing without a window', () => {
    const shortcuts = registry();
    const requested = vi.fn();
    registerCaptureShortcut(shortcuts, () => null, requested);
    shortcuts.registered.get(CAPTURE_SHORTCUT)?.();
    expect(requested).not.toHaveBeenCalled();
  });
});

describe('captureName', () => {
  it('names a capture by its local time, without characters a file system refuses', () => {
    expect(captureName(new Date(2026, 0, 2, 3, 4, 5))).toBe('Screenshot 2026-01-02 03-04-05.png');
  });
});
