/**
 * The Electron entry: app lifecycle, the one window, and the wiring of the security pieces (each kept in
 * a small pure module with tests): window options, the app:// protocol, navigation and permission
 * handlers, the IPC sender check. The engine runs in a utilityProcess; the store and services in here.
 * Bundled to dist/electron/main.js beside preload.cjs and engine.js (Electron cannot load TypeScript).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  BrowserWindow,
  app,
  desktopCapturer,
  dialog,
  globalShortcut,
  ipcMain,
  nativeTheme,
  protocol,
  safeStorage,
  screen,
  session,
  shell,
  systemPreferences,
} from 'electron';
import type { WebContents } from 'electron';
import { IPC_EVENT_CHANNEL, IPC_REQUEST_CHANNEL } from '../../app/ipc/bridge.ts';
import { contentSecurityPolicy } from '../security/csp.ts';
import { contentType, realPathInside } from '../security/safe-path.ts';
import { EngineHost } from '../services/engine-host.ts';
import { createServices } from '../services/index.ts';
import type { Services } from '../services/index.ts';
import { openStore } from '../store/store.ts';
import type { Store } from '../store/types.ts';
import {
  capturePermissionCheck,
  capturePermissionRequest,
  captureHandlers,
  displayMediaRequestHandler,
  registerCaptureShortcut,
} from './capture.ts';
import type { CaptureDeps, DisplayChoice } from './capture.ts';
import { forkUtilityEngine } from './engine-process.ts';
import { ELECTRON_SQLITE_BINDING } from './native-sqlite.ts';
import { handleInvoke } from './ipc.ts';
import { windowOpenDecision } from './navigation.ts';
import { APP_ENTRY, APP_SCHEME, resolveAppUrl } from './protocol.ts';
import { SafeTokenStore } from './token-store.ts';
import { mainWindowOptions } from './window-options.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const RENDERER_ROOT = path.join(here, '..', 'renderer');
const PRELOAD = path.join(here, 'preload.cjs');
const ENGINE_ENTRY = path.join(here, 'engine.js');
const CSP = contentSecurityPolicy();

const windows = new Map<number, BrowserWindow>();
const windowIds = new Set<number>();
let services: Services | null = null;
let store: Store | null = null;
let quitting = false;
let unregisterShortcut: () => void = () => {};

// Before 'ready': app:// behaves like https (standard, secure origin) for the page and fetch.
protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
]);

// Tests and portable setups choose where history and images live (before anything reads userData).
if (process.env.TESSERA_DATA_DIR) app.setPath('userData', process.env.TESSERA_DATA_DIR);

if (!app.requestSingleInstanceLock()) {
  // A second copy would share the database and mark the first one's answers interrupted.
  app.quit();
} else {
  app.on('second-instance', () => [...windows.values()][0]?.focus());
  app
    .whenReady()
    .then(start)
    .catch((error: unknown) => fail(error));
}

async function start(): Promise<void> {
  const ses = session.defaultSession;
  // Every permission is refused except display capture for the app's own page (capture.ts).
  ses.setPermissionRequestHandler(capturePermissionRequest);
  ses.setPermissionCheckHandler(capturePermissionCheck);
  ses.setDisplayMediaRequestHandler(displayMediaRequestHandler(captureDeps, displayChoice));
  // The page talks to nothing but its own bundle: no web requests, no file://.
  ses.webRequest.onBeforeRequest(
    { urls: ['http://*/*', 'https://*/*', 'ws://*/*', 'wss://*/*', 'file://*/*'] },
    (_details, callback) => callback({ cancel: true }),
  );
  ses.webRequest.onHeadersReceived((details, callback) =>
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] } }),
  );
  protocol.handle(APP_SCHEME, serveBundle);

  const dataDir = app.getPath('userData');
  // `npm start` runs on a binding built for Electron (see native-sqlite.ts); packaged apps on their own.
  const sqliteBinding = path.join(here, ELECTRON_SQLITE_BINDING);
  store = openStore(dataDir, existsSync(sqliteBinding) ? { nativeBinding: sqliteBinding } : {});
  // <userData>/models (where downloads go) is always scanned; TESSERA_MODEL_DIRS adds folders beside it.
  const modelDirs = (process.env.TESSERA_MODEL_DIRS ?? '').split(path.delimiter).filter((dir) => dir !== '');
  const engine = new EngineHost({ spawn: () => forkUtilityEngine(ENGINE_ENTRY) });
  services = createServices({
    store,
    modelDirs,
    engine,
    downloads: {
      modelsDir: path.join(dataDir, 'models'),
      // The Hub token, encrypted with the OS keychain; the endpoint comes from the setting or HF_ENDPOINT.
      tokenStore: new SafeTokenStore(safeStorage, path.join(dataDir, 'hub-token.bin')),
    },
    // Each remote server's API key, encrypted with the OS keychain like the Hub token.
    remote: {
      keyStore: (id) =>
        new SafeTokenStore(
          safeStorage,
          path.join(dataDir, `remote-key-${id}.bin`),
          'Until then, `tessera ask --remote URL --api-key KEY` reaches a server that needs a key',
        ),
    },
  });
  // The desktop captures screens in here; the services' own answers are the browser host's.
  const handlers = { ...services.handlers, ...captureHandlers(captureDeps, displayChoice) };
  ipcMain.removeHandler(IPC_REQUEST_CHANNEL); // one registration path, never two handlers
  ipcMain.handle(IPC_REQUEST_CHANNEL, (event, name: unknown, input: unknown) =>
    handleInvoke({ handlers, windowIds, log: logError }, name, input, {
      frameUrl: event.senderFrame?.url,
      isMainFrame: event.senderFrame?.parent === null,
      senderWindowId: BrowserWindow.fromWebContents(event.sender)?.id,
    }),
  );
  services.events.on((name, payload) => {
    for (const win of windows.values())
      if (!win.isDestroyed()) win.webContents.send(IPC_EVENT_CHANNEL, name, payload);
  });
  app.on('child-process-gone', (_event, details) => {
    if (details.type === 'Utility')
      logError(`engine process gone: ${details.reason} (exit code ${details.exitCode})`);
  });
  createWindow();
  app.on('activate', () => windows.size === 0 && createWindow());
  // Only the window's renderer hears it (the browser host has no global shortcut).
  unregisterShortcut = registerCaptureShortcut(globalShortcut, firstWindow, () =>
    firstWindow()?.webContents.send(IPC_EVENT_CHANNEL, 'capture.requested', {}),
  ).unregister;
}

function firstWindow(): BrowserWindow | null {
  return [...windows.values()].find((win) => !win.isDestroyed()) ?? null;
}

/** What the app's chooser picked for the page's next screen recording (capture.select). */
const displayChoice: DisplayChoice = { sourceId: null };

const captureDeps: CaptureDeps = {
  getSources: (options) => desktopCapturer.getSources(options),
  largestDisplay: () => {
    const sizes = screen
      .getAllDisplays()
      .map((d) => ({ width: d.size.width * d.scaleFactor, height: d.size.height * d.scaleFactor }));
    return sizes.reduce((a, b) => (b.width * b.height > a.width * a.height ? b : a), { width: 1, height: 1 });
  },
  platform: process.platform,
  screenAccess: () =>
    process.platform === 'darwin' ? systemPreferences.getMediaAccessStatus('screen') : 'granted',
  window: firstWindow,
  // Two frames at 60 Hz and the window manager's fade: the hidden window is gone from what is captured.
  settle: () => new Promise((resolve) => setTimeout(resolve, 250)),
  now: () => new Date(),
};

function createWindow(): void {
  const win = new BrowserWindow(
    mainWindowOptions({ preloadPath: PRELOAD, dark: nativeTheme.shouldUseDarkColors }),
  );
  const id = win.id;
  windows.set(id, win);
  windowIds.add(id);
  win.on('closed', () => {
    windows.delete(id);
    windowIds.delete(id);
  });
  harden(win.webContents);
  win.once('ready-to-show', () => win.show());
  void win.loadURL(APP_ENTRY);
}

/** No navigation away from the bundle, no new windows, no webviews; web links go to the browser. */
function harden(contents: WebContents): void {
  contents.on('will-navigate', (event) => event.preventDefault());
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    const decision = windowOpenDecision(url);
    if (decision.external) void confirmOpen(decision.external);
    return { action: decision.action };
  });
}

async function confirmOpen(url: string): Promise<void> {
  const parent = [...windows.values()][0];
  const options = {
    type: 'question' as const,
    buttons: ['Open in browser', 'Cancel'],
    defaultId: 1,
    cancelId: 1,
    message: 'Open this link in your web browser?',
    detail: url,
  };
  const { response } = parent
    ? await dialog.showMessageBox(parent, options)
    : await dialog.showMessageBox(options);
  if (response === 0) await shell.openExternal(url);
}

async function serveBundle(request: Request): Promise<Response> {
  const resolved = resolveAppUrl(request.url, RENDERER_ROOT);
  if ('error' in resolved) return new Response(null, { status: resolved.error === 'forbidden' ? 403 : 404 });
  const file = await realPathInside(RENDERER_ROOT, resolved.path);
  if (!file) return new Response(null, { status: 404 });
  try {
    const body = await readFile(file);
    return new Response(body, {
      headers: {
        'Content-Type': contentType(file),
        'Content-Security-Policy': CSP,
        'X-Content-Type-Options': 'nosniff',
      },
    });
  } catch {
    return new Response(null, { status: 404 });
  }
}

app.on('will-quit', () => unregisterShortcut());

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

// Drain before quitting: downloads stop (to resume at the next start), answers are stopped and recorded,
// the engine is killed, the database closed.
app.on('before-quit', (event) => {
  if (quitting || !services) return;
  event.preventDefault();
  quitting = true;
  services
    .dispose()
    .catch(logError)
    .finally(() => {
      store?.close();
      app.quit();
    });
});

function logError(message: unknown, error?: unknown): void {
  console.error('tessera:', message, error ?? '');
}

function fail(error: unknown): void {
  dialog.showErrorBox('Tessera could not start', error instanceof Error ? error.message : String(error));
  app.exit(1);
}
