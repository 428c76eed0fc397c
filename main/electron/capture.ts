/**
 * Screen capture in the desktop app: desktopCapturer lists screens and windows (thumbnails for the chooser)
 * and captures the chosen one at full size; the app's window hides while a region of a screen is captured,
 * so it is not in the picture; a global shortcut asks the window to open its chooser; the permission
 * handlers let only the app's own page capture the display. On macOS, Screen Recording must be allowed in
 * System Settings: a denied state is said with where to allow it. Electron objects come in as parameters
 * (main.ts passes the real ones), so every piece is unit-tested with plain fakes.
 */
import type { CaptureSources, CapturedImage, Handlers } from '../../app/ipc/contract.ts';
import { TesseraError } from '../../app/errors.ts';
import { APP_HOST, APP_SCHEME } from './protocol.ts';

/** app://bundle/…, compared by parts (the WHATWG origin of app: is the opaque "null"); no credentials. */
export function isAppUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    return (
      parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST && !parsed.username && !parsed.password
    );
  } catch {
    return false;
  }
}

/** Ctrl+Shift+2 (Cmd on macOS): 2 as in "capture" beside the system's own Shift+3/4/5. */
export const CAPTURE_SHORTCUT = 'CommandOrControl+Shift+2';
export const THUMBNAIL_SIZE = { width: 320, height: 200 };

export const SCREEN_RECORDING_DENIED =
  'Tessera may not record the screen. Allow it in System Settings → Privacy & Security → Screen ' +
  'Recording, then quit and reopen Tessera.';

interface NativeImageLike {
  toPNG(): Uint8Array;
  getSize(): { width: number; height: number };
  isEmpty(): boolean;
}

export interface SourceLike {
  id: string;
  name: string;
  thumbnail: NativeImageLike;
}

export interface CaptureWindow {
  hide(): void;
  show(): void;
  focus(): void;
  isVisible(): boolean;
}

export interface CaptureDeps {
  getSources(options: {
    types: Array<'screen' | 'window'>;
    thumbnailSize: { width: number; height: number };
  }): Promise<SourceLike[]>;
  /** The largest display in device pixels (its size × its scale factor): thumbnails that size are full size. */
  largestDisplay(): { width: number; height: number };
  platform: NodeJS.Platform;
  /** systemPreferences.getMediaAccessStatus('screen') (macOS only). */
  screenAccess(): string;
  /** The window that asked, or null when it is gone. */
  window(): CaptureWindow | null;
  /** Waits until a hidden window is off the screen (the compositor needs a frame or two). */
  settle(): Promise<void>;
  now(): Date;
}

/** The source capture.select chose for the page's next getDisplayMedia (a recording); taken once. */
export interface DisplayChoice {
  sourceId: string | null;
}

/** The handlers main.ts puts over the services' browser answers (main/services/capture.ts). */
export function captureHandlers(
  deps: CaptureDeps,
  choice: DisplayChoice = { sourceId: null },
): Pick<Handlers, 'capture.sources' | 'capture.take' | 'capture.select'> {
  const denied = () => deps.platform === 'darwin' && ['denied', 'restricted'].includes(deps.screenAccess());
  return {
    'capture.sources': async (): Promise<CaptureSources> => {
      if (denied()) return { kind: 'denied', reason: SCREEN_RECORDING_DENIED };
      const sources = await deps.getSources({ types: ['screen', 'window'], thumbnailSize: THUMBNAIL_SIZE });
      return {
        kind: 'sources',
        sources: sources.map((s) => ({
          id: s.id,
          name: s.name,
          kind: s.id.startsWith('screen:') ? 'screen' : 'window',
          thumbnail: Uint8Array.from(s.thumbnail.toPNG()),
        })),
      };
    },
    'capture.take': async ({ sourceId, hideWindow }): Promise<CapturedImage> => {
      if (denied()) throw new TesseraError('FORBIDDEN', SCREEN_RECORDING_DENIED);
      const win = hideWindow ? deps.window() : null;
      const wasVisible = win?.isVisible() ?? false;
      if (win && wasVisible) {
        win.hide();
        await deps.settle();
      }
      try {
        const types: Array<'screen' | 'window'> = [sourceId.startsWith('screen:') ? 'screen' : 'window'];
        const sources = await deps.getSources({ types, thumbnailSize: deps.largestDisplay() });
        const source = sources.find((s) => s.id === sourceId);
        if (!source) throw new TesseraError('NOT_FOUND', 'That screen or window is no longer there.');
        if (source.thumbnail.isEmpty())
          throw new TesseraError('FORBIDDEN', 'The capture came back empty: the system did not allow it.');
        const { width, height } = source.thumbnail.getSize();
        return {
          name: captureName(deps.now()),
          png: Uint8Array.from(source.thumbnail.toPNG()),
          width,
          height,
        };
      } finally {
        if (win && wasVisible) {
          win.show();
          win.focus();
        }
      }
    },
    'capture.select': async ({ sourceId }) => {
      if (denied()) throw new TesseraError('FORBIDDEN', SCREEN_RECORDING_DENIED);
      choice.sourceId = sourceId;
      return {};
    },
  };
}

/** "Screenshot 2026-12-07 05-04-55.png" (the renderer's lib/capture.ts names browser captures the same). */
export function captureName(at: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const day = `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}`;
  return `Screenshot ${day} ${pad(at.getHours())}-${pad(at.getMinutes())}-${pad(at.getSeconds())}.png`;
}

/**
 * session.setPermissionRequestHandler: display capture for the app's own page, nothing else for anyone.
 * `requestingUrl` is details.requestingUrl (Electron gives the frame's URL).
 */
export function capturePermissionRequest(
  _webContents: unknown,
  permission: string,
  callback: (granted: boolean) => void,
  details?: { requestingUrl?: string },
): void {
  callback(permission === 'display-capture' && isAppUrl(details?.requestingUrl ?? ''));
}

/** session.setPermissionCheckHandler: the same rule for checks. */
export function capturePermissionCheck(
  _webContents: unknown,
  permission: string,
  requestingOrigin: string,
): boolean {
  return permission === 'display-capture' && isAppUrl(requestingOrigin);
}

/**
 * session.setDisplayMediaRequestHandler: getDisplayMedia from the app's page (a screen recording) gets the
 * source capture.select chose, once, or else the first screen; a chosen source that is gone gives nothing
 * (the page's getDisplayMedia then fails and says so), and so does any other frame.
 */
export function displayMediaRequestHandler(
  deps: Pick<CaptureDeps, 'getSources'>,
  choice: DisplayChoice = { sourceId: null },
) {
  return (
    request: { frame?: { url?: string } | null; securityOrigin?: string },
    callback: (streams: { video?: SourceLike }) => void,
  ): void => {
    const url = request.frame?.url ?? request.securityOrigin ?? '';
    if (!isAppUrl(url)) return callback({});
    const wanted = choice.sourceId;
    choice.sourceId = null;
    const types: Array<'screen' | 'window'> = [wanted?.startsWith('window:') ? 'window' : 'screen'];
    deps
      .getSources({ types, thumbnailSize: { width: 0, height: 0 } })
      .then((sources) => {
        const source = wanted === null ? sources[0] : sources.find((s) => s.id === wanted);
        callback(source ? { video: source } : {});
      })
      .catch(() => callback({}));
  };
}

export interface ShortcutRegistry {
  register(accelerator: string, callback: () => void): boolean;
  unregister(accelerator: string): void;
}

/**
 * Registers the capture shortcut: pressing it shows and focuses the window and asks it to open the chooser.
 * Returns the function that unregisters it (at quit), and whether the system gave it (another app may own
 * the keys; the button in the composer still works).
 */
export function registerCaptureShortcut(
  shortcuts: ShortcutRegistry,
  window: () => CaptureWindow | null,
  requestCapture: () => void,
): { registered: boolean; unregister: () => void } {
  const registered = shortcuts.register(CAPTURE_SHORTCUT, () => {
    const win = window();
    if (!win) return;
    if (!win.isVisible()) win.show();
    win.focus();
    requestCapture();
  });
  return { registered, unregister: () => registered && shortcuts.unregister(CAPTURE_SHORTCUT) };
}
