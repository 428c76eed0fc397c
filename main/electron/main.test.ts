/**
 * The wiring of main.ts, run against a recording stand-in for `electron` (fake-electron.ts): every handler
 * main.ts must register is looked up and driven, so a forgotten registration fails here. main.ts runs as it
 * does bundled, from <bundle>/electron/main.js beside <bundle>/renderer (node:url reports that location for
 * it), with a real store, real services and a real engine process behind the utilityProcess.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as NodeUrl from 'node:url';
import type { HandlerDetails, IpcMainInvokeEvent } from 'electron';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { IPC_EVENT_CHANNEL, IPC_REQUEST_CHANNEL } from '../../app/ipc/bridge.ts';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ApiServerStatus, EngineStatus, Result } from '../../app/ipc/contract.ts';
import { testModelDir } from '../../models/testing/test-models.ts';
import { contentSecurityPolicy } from '../security/csp.ts';
import { FakeEvent, createFakeElectron } from './fake-electron.ts';
import type { FakeBrowserWindow, FakeElectron } from './fake-electron.ts';
import { APP_ENTRY } from './protocol.ts';
import { mainWindowOptions } from './window-options.ts';

const state = vi.hoisted(() => ({ bundle: '', fakes: [] as FakeElectron[] }));

/** A fresh main.ts (its module state included) on a fresh fake Electron. */
async function runMain(fake: FakeElectron): Promise<void> {
  vi.resetModules();
  vi.doMock('electron', () => fake.module);
  state.fakes.push(fake);
  await import('./main.ts');
}

vi.mock('node:url', async (importOriginal) => {
  const real = await importOriginal<typeof NodeUrl>();
  const { join: joinPath } = await import('node:path');
  const mainUrl = new URL('./main.ts', import.meta.url).href;
  const fileURLToPath = (url: string | URL) =>
    String(url) === mainUrl ? joinPath(state.bundle, 'electron', 'main.js') : real.fileURLToPath(url);
  return { ...real, fileURLToPath };
});

const scratch = mkdtempSync(join(tmpdir(), 'tessera-electron-main-'));
const CSP = contentSecurityPolicy();
const saved = {
  TESSERA_DATA_DIR: process.env.TESSERA_DATA_DIR,
  TESSERA_MODEL_DIRS: process.env.TESSERA_MODEL_DIRS,
};

afterAll(() => {
  for (const child of state.fakes.flatMap((fake) => fake.utilityProcesses)) child.kill();
  Object.assign(process.env, saved);
  if (saved.TESSERA_DATA_DIR === undefined) delete process.env.TESSERA_DATA_DIR;
  if (saved.TESSERA_MODEL_DIRS === undefined) delete process.env.TESSERA_MODEL_DIRS;
  rmSync(scratch, { recursive: true, force: true });
});

/** What Electron passes to an ipcMain.handle listener, for a sender of our choosing. */
function invokeEvent(sender: unknown, frame: { url: string; parent: unknown } | null): IpcMainInvokeEvent {
  return { sender, senderFrame: frame } as unknown as IpcMainInvokeEvent;
}

describe('main.ts, wired to Electron', () => {
  let fake: FakeElectron;
  let win: FakeBrowserWindow;
  const bundle = join(scratch, 'bundle');
  const dataDir = join(scratch, 'data');

  const invoke = (event: IpcMainInvokeEvent, name: string, input: unknown) => {
    const handler = fake.ipcMain.handlers.get(IPC_REQUEST_CHANNEL);
    if (!handler) throw new Error('no IPC handler registered');
    return handler(event, name, input) as Promise<Result<unknown>>;
  };
  const fromOurWindow = (target: FakeBrowserWindow = win) =>
    invokeEvent(target.webContents, { url: APP_ENTRY, parent: null });

  beforeAll(async () => {
    mkdirSync(join(bundle, 'renderer', 'assets'), { recursive: true });
    mkdirSync(join(bundle, 'electron'));
    writeFileSync(join(bundle, 'renderer', 'index.html'), '<!doctype html><title>Tessera</title>');
    writeFileSync(join(scratch, 'secret.txt'), 'not for the page');
    // A link inside the bundle that leads out of it.
    symlinkSync(join(scratch, 'secret.txt'), join(bundle, 'renderer', 'assets', 'escape.txt'));
    process.env.TESSERA_DATA_DIR = dataDir;
    process.env.TESSERA_MODEL_DIRS = await testModelDir();
    state.bundle = bundle;
    fake = createFakeElectron();
    await runMain(fake);
  });

  it('before ready: makes app:// a secure standard scheme, sets the data dir, takes the instance lock', () => {
    expect(fake.protocol.privileged).toEqual([
      { scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } },
    ]);
    expect(fake.app.getPath('userData')).toBe(dataDir);
    expect(fake.app.quitCalls).toBe(0);
    // Nothing that needs a ready app yet.
    expect(fake.windows).toHaveLength(0);
    expect(fake.protocol.handlers.size).toBe(0);
  });

  it('when ready: opens one window with the secure options, loading the bundle, shown once painted', async () => {
    fake.app.becomeReady();
    await vi.waitFor(() => expect(fake.windows).toHaveLength(1));
    win = fake.windows[0] as FakeBrowserWindow;
    expect(win.options).toEqual(
      mainWindowOptions({ preloadPath: join(bundle, 'electron', 'preload.cjs'), dark: false }),
    );
    expect(win.options.webPreferences).toMatchObject({
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
    });
    expect(win.loadedUrl).toBe(APP_ENTRY);
    expect(win.shown).toBe(false);
    win.emit('ready-to-show');
    expect(win.shown).toBe(true);
  });

  it('denies every permission request and check but display capture for the app itself', () => {
    const { permissionRequest, permissionCheck } = fake.defaultSession;
    if (!permissionRequest || !permissionCheck) throw new Error('permission handlers not registered');
    for (const permission of ['media', 'notifications', 'geolocation', 'clipboard-read'] as const) {
      const granted = vi.fn();
      permissionRequest(win.webContents as never, permission, granted, {
        requestingUrl: APP_ENTRY,
      } as never);
      expect(granted).toHaveBeenCalledExactlyOnceWith(false);
      expect(permissionCheck(win.webContents as never, permission, 'app://bundle', {} as never)).toBe(false);
    }
    // Screen capture (issue 18): only the app's own page may ask.
    for (const [url, allowed] of [
      [APP_ENTRY, true],
      ['https://example.com/', false],
    ] as const) {
      const granted = vi.fn();
      permissionRequest(win.webContents as never, 'display-capture', granted, {
        requestingUrl: url,
      } as never);
      expect(granted).toHaveBeenCalledExactlyOnceWith(allowed);
    }
    expect(fake.defaultSession.displayMediaRequest).not.toBeNull();
  });

  it('registers the capture shortcut, which focuses the window and asks it to open the chooser', () => {
    const press = fake.globalShortcut.registered.get('CommandOrControl+Shift+2');
    if (!press) throw new Error('capture shortcut not registered');
    const sent: unknown[][] = [];
    const send = win.webContents.send.bind(win.webContents);
    win.webContents.send = (...args: [string, ...unknown[]]) => {
      sent.push(args);
      send(...args);
    };
    const focused = win.focused;
    press();
    expect(sent).toContainEqual([IPC_EVENT_CHANNEL, 'capture.requested', {}]);
    expect(win.focused).toBe(focused + 1);
    win.webContents.send = send;
    win.focused = focused; // Later tests count focus calls of their own.
  });

  it('cancels every web request that is not the bundle, and adds the CSP to any response', () => {
    const registered = fake.defaultSession.webRequest.beforeRequest;
    if (!registered?.listener) throw new Error('onBeforeRequest not registered');
    const { filter, listener } = registered;
    // Electron's URL patterns: '*' matches anything.
    const matched = (url: string) =>
      filter.urls.some((pattern) =>
        new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\/]/g, '\\$&').replace(/\*/g, '.*')}$`).test(url),
      );
    const foreign = [
      'http://example.com/',
      'https://cdn.example/x.js',
      'ws://127.0.0.1:9/',
      'wss://a.b/',
      'file:///etc/passwd',
    ];
    for (const url of foreign) {
      expect(matched(url), url).toBe(true);
      const callback = vi.fn();
      listener({ url } as never, callback);
      expect(callback).toHaveBeenCalledExactlyOnceWith({ cancel: true });
    }
    expect(matched(APP_ENTRY)).toBe(false);

    const headers = fake.defaultSession.webRequest.headersReceived;
    if (!headers) throw new Error('onHeadersReceived not registered');
    const callback = vi.fn();
    headers({ responseHeaders: { 'X-Other': ['1'] } } as never, callback);
    expect(callback).toHaveBeenCalledExactlyOnceWith({
      responseHeaders: { 'X-Other': ['1'], 'Content-Security-Policy': [CSP] },
    });
  });

  it('serves the bundle over app:// with the CSP, and nothing outside it', async () => {
    const handler = fake.protocol.handlers.get('app');
    if (!handler) throw new Error('app:// protocol not handled');
    const get = (url: string) => handler(new Request(url));
    for (const url of [APP_ENTRY, 'app://bundle/']) {
      const page = await get(url);
      expect(page.status).toBe(200);
      expect(page.headers.get('Content-Security-Policy')).toBe(CSP);
      expect(page.headers.get('X-Content-Type-Options')).toBe('nosniff');
      expect(page.headers.get('Content-Type')).toBe('text/html; charset=utf-8');
      expect(await page.text()).toBe('<!doctype html><title>Tessera</title>');
    }
    const forbidden = [
      'app://bundle/..%2f..%2fsecret.txt',
      'app://bundle/%2e%2e%2fsecret.txt',
      'app://other/index.html',
    ];
    for (const url of forbidden) expect((await get(url)).status, url).toBe(403);
    for (const url of ['app://bundle/missing.js', 'app://bundle/assets/escape.txt'])
      expect((await get(url)).status, url).toBe(404);
  });

  it('keeps the page where it is: navigation, redirects and webviews are prevented', () => {
    for (const event of ['will-navigate', 'will-redirect', 'will-attach-webview']) {
      const cancel = new FakeEvent();
      win.webContents.emit(event, cancel, 'https://evil.example/');
      expect(cancel.prevented, event).toBe(true);
    }
  });

  it('opens no window; a web link goes to the browser only after the user confirms', async () => {
    const open = win.webContents.windowOpenHandler;
    if (!open) throw new Error('no window open handler');
    const details = (url: string) => ({ url }) as HandlerDetails;
    fake.dialog.response = 1; // Cancel
    expect(open(details('https://example.com/docs'))).toEqual({ action: 'deny' });
    await vi.waitFor(() => expect(fake.dialog.messageBoxes).toHaveLength(1));
    expect(fake.dialog.messageBoxes[0]?.detail).toBe('https://example.com/docs');
    fake.dialog.response = 0; // Open in browser
    expect(open(details('https://example.com/docs'))).toEqual({ action: 'deny' });
    await vi.waitFor(() => expect(fake.shell.opened).toEqual(['https://example.com/docs']));
    expect(open(details('file:///etc/passwd'))).toEqual({ action: 'deny' });
    expect(fake.dialog.messageBoxes).toHaveLength(2);
  });

  it('answers the IPC channel through the contract, for our window only', async () => {
    const created = await invoke(fromOurWindow(), 'threads.create', { title: 'Wired' });
    expect(created).toMatchObject({ ok: true, value: { title: 'Wired' } });
    expect(await invoke(fromOurWindow(), 'threads.create', { title: 7 })).toMatchObject({
      ok: false,
      error: { code: 'BAD_REQUEST' },
    });
    const forbidden = { ok: false, error: { code: 'FORBIDDEN', message: 'This page may not use Tessera.' } };
    const strangers = [
      invokeEvent(win.webContents, { url: APP_ENTRY, parent: {} }), // an iframe
      invokeEvent(win.webContents, { url: 'https://evil.example/', parent: null }),
      invokeEvent({}, { url: APP_ENTRY, parent: null }), // not one of our windows
      invokeEvent(win.webContents, null), // frame gone
    ];
    for (const event of strangers) expect(await invoke(event, 'threads.list', {})).toEqual(forbidden);
  });

  it('runs the engine in a utilityProcess, and its status reaches the window', async () => {
    expect(fake.forks).toEqual([
      {
        modulePath: join(bundle, 'electron', 'engine.js'),
        args: [],
        options: { serviceName: 'Tessera engine', stdio: 'pipe' },
      },
    ]);
    await vi.waitFor(
      async () => {
        const status = (await invoke(fromOurWindow(), 'engine.status', {})) as Result<EngineStatus>;
        expect(status).toMatchObject({ ok: true, value: { state: 'ready' } });
      },
      { timeout: 100_000, interval: 200 },
    );
    const events = win.webContents.sent.filter((sent) => sent.channel === IPC_EVENT_CHANNEL);
    expect(events.map((sent) => sent.args[0])).toContain('engine.status');
    expect(events.at(-1)?.args[1]).toMatchObject({
      state: 'ready',
      providers: { decoder: { provider: 'cpu' } },
    });

    const log = vi.spyOn(console, 'error').mockImplementation(() => {});
    fake.app.emit('child-process-gone', new FakeEvent(), {
      type: 'Utility',
      reason: 'crashed',
      exitCode: 11,
    });
    expect(log).toHaveBeenCalledWith('tessera:', 'engine process gone: crashed (exit code 11)', '');
    log.mockRestore();
  });

  it('runs the OpenAI-compatible API when its setting says so, over the same engine', async () => {
    // A free port for the setting (the desktop app takes a fixed one; 0 is not a choice there).
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const configured = (await invoke(fromOurWindow(), 'api.configure', {
      enabled: true,
      port,
    })) as Result<ApiServerStatus>;
    expect(configured).toMatchObject({
      ok: true,
      value: { state: 'listening', url: `http://127.0.0.1:${port}/v1` },
    });
    const { url, key } = (configured as { value: ApiServerStatus }).value;
    const auth = { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' };
    const models = (await (await fetch(`${url}/models`, { headers: auth })).json()) as {
      data: { id: string }[];
    };
    const answer = await fetch(`${url}/chat/completions`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({
        model: models.data[0]?.id,
        messages: [{ role: 'user', content: 'Hi' }],
        max_tokens: 2,
      }),
    });
    expect(answer.status).toBe(200);
    expect(await answer.json()).toMatchObject({
      object: 'chat.completion',
      usage: { completion_tokens: expect.any(Number) },
    });
    const events = win.webContents.sent.filter((sent) => sent.channel === IPC_EVENT_CHANNEL);
    expect(events.map((sent) => sent.args[0])).toContain('api.status');
  });

  it('focuses its window when a second copy starts', () => {
    fake.app.emit('second-instance');
    expect(win.focused).toBe(1);
  });

  it('forgets a closed window, quits when none is left, and opens one again on activate', async () => {
    win.close();
    expect((await invoke(fromOurWindow(win), 'threads.list', {})).ok).toBe(false);
    fake.app.emit('window-all-closed');
    expect(fake.app.quitCalls).toBe(process.platform === 'darwin' ? 0 : 1);
    fake.app.emit('activate');
    expect(fake.windows).toHaveLength(2);
    win = fake.windows[1] as FakeBrowserWindow;
    expect((await invoke(fromOurWindow(win), 'threads.list', {})).ok).toBe(true);
  });

  it('drains before quitting: the quit waits, the engine process ends, then the app quits', async () => {
    const quitsBefore = fake.app.quitCalls;
    const first = new FakeEvent();
    fake.app.emit('before-quit', first);
    expect(first.prevented).toBe(true);
    await vi.waitFor(() => expect(fake.app.quitCalls).toBe(quitsBefore + 1), { timeout: 20_000 });
    expect(fake.utilityProcesses.every((child) => child.exited)).toBe(true);
    // The quit that follows the drain goes through.
    const second = new FakeEvent();
    fake.app.emit('before-quit', second);
    expect(second.prevented).toBe(false);
    // The capture shortcut goes back to the system as the app quits.
    expect(fake.globalShortcut.registered.has('CommandOrControl+Shift+2')).toBe(true);
    fake.app.emit('will-quit', new FakeEvent());
    expect(fake.globalShortcut.registered.size).toBe(0);
  });
});

describe('main.ts, when it cannot run', () => {
  it('quits at once when another copy holds the instance lock', async () => {
    const fake = createFakeElectron();
    fake.app.singleInstance = false;
    await runMain(fake);
    expect(fake.app.quitCalls).toBe(1);
    fake.app.becomeReady();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(fake.windows).toHaveLength(0);
    expect(fake.ipcMain.handlers.size).toBe(0);
  });

  it('says why in an error box and exits 1 when start-up fails', async () => {
    const notADir = join(scratch, 'a-file');
    writeFileSync(notADir, '');
    process.env.TESSERA_DATA_DIR = join(notADir, 'data'); // the store cannot be created under a file
    process.env.TESSERA_MODEL_DIRS = '';
    const fake = createFakeElectron();
    await runMain(fake);
    fake.app.becomeReady();
    await vi.waitFor(() => expect(fake.app.exitCodes).toEqual([1]));
    expect(fake.dialog.errorBoxes).toHaveLength(1);
    expect(fake.dialog.errorBoxes[0]?.[0]).toBe('Tessera could not start');
    expect(fake.windows).toHaveLength(0);
  });
});
