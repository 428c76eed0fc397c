/**
 * A recording stand-in for the parts of the `electron` module that main.ts uses, for main.test.ts (through
 * vi.mock). Whatever main.ts registers is kept, typed as Electron declares it, so a test can drive it; the
 * test emits the lifecycle events. The engine's utilityProcess is a real Node child running the engine entry
 * (models/engine/entry.ts, what the bundle's engine.js is built from), messages in and out as Electron's.
 */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type {
  BrowserWindowConstructorOptions,
  CustomScheme,
  ForkOptions,
  HandlerDetails,
  IpcMain,
  MessageBoxOptions,
  Session,
  WebRequest,
  WebRequestFilter,
  WindowOpenHandlerResponse,
} from 'electron';

// Listeners are stored untyped (each event has its own signature) and called with what the test passes.
type AnyListener = (...args: never[]) => unknown;

class Emitter {
  private readonly listeners = new Map<string, AnyListener[]>();

  on(event: string, listener: AnyListener): this {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
    return this;
  }

  once(event: string, listener: AnyListener): this {
    const wrapped = (...args: never[]) => {
      this.listeners.set(
        event,
        (this.listeners.get(event) ?? []).filter((l) => l !== wrapped),
      );
      return listener(...args);
    };
    return this.on(event, wrapped);
  }

  emit(event: string, ...args: unknown[]): void {
    for (const listener of this.listeners.get(event) ?? [])
      (listener as (...a: unknown[]) => unknown)(...args);
  }

  listenerCount(event: string): number {
    return this.listeners.get(event)?.length ?? 0;
  }
}

/** An event main.ts may cancel. */
export class FakeEvent {
  prevented = false;
  preventDefault(): void {
    this.prevented = true;
  }
}

class FakeApp extends Emitter {
  readonly paths = new Map<string, string>();
  singleInstance = true;
  quitCalls = 0;
  readonly exitCodes: number[] = [];
  private markReady: () => void = () => {};
  private readonly ready = new Promise<void>((resolve) => (this.markReady = resolve));

  setPath(name: string, value: string): void {
    this.paths.set(name, value);
  }
  getPath(name: string): string {
    const value = this.paths.get(name);
    if (value === undefined) throw new Error(`fake app: no path '${name}' set`);
    return value;
  }
  requestSingleInstanceLock(): boolean {
    return this.singleInstance;
  }
  whenReady(): Promise<void> {
    return this.ready;
  }
  quit(): void {
    this.quitCalls++;
  }
  exit(code = 0): void {
    this.exitCodes.push(code);
  }
  /** Test side: what Electron does once it has initialised. */
  becomeReady(): void {
    this.markReady();
  }
}

// The listener-only overloads (the last ones) give the listener types.
type BeforeRequestListener = Parameters<WebRequest['onBeforeRequest']>[0];
type HeadersReceivedListener = Parameters<WebRequest['onHeadersReceived']>[0];

class FakeWebRequest {
  beforeRequest: { filter: WebRequestFilter; listener: BeforeRequestListener } | null = null;
  headersReceived: HeadersReceivedListener = null;

  onBeforeRequest(filter: WebRequestFilter, listener: BeforeRequestListener): void {
    this.beforeRequest = { filter, listener };
  }
  onHeadersReceived(listener: HeadersReceivedListener): void {
    this.headersReceived = listener;
  }
}

class FakeSession {
  readonly webRequest = new FakeWebRequest();
  permissionRequest: Parameters<Session['setPermissionRequestHandler']>[0] = null;
  permissionCheck: Parameters<Session['setPermissionCheckHandler']>[0] = null;

  setPermissionRequestHandler(handler: Parameters<Session['setPermissionRequestHandler']>[0]): void {
    this.permissionRequest = handler;
  }
  setPermissionCheckHandler(handler: Parameters<Session['setPermissionCheckHandler']>[0]): void {
    this.permissionCheck = handler;
  }
  displayMediaRequest: Parameters<Session['setDisplayMediaRequestHandler']>[0] = null;
  setDisplayMediaRequestHandler(handler: Parameters<Session['setDisplayMediaRequestHandler']>[0]): void {
    this.displayMediaRequest = handler;
  }
}

/** globalShortcut: what is registered now, so a test can press a shortcut and see it go at quit. */
class FakeGlobalShortcut {
  readonly registered = new Map<string, () => void>();
  register(accelerator: string, callback: () => void): boolean {
    if (this.registered.has(accelerator)) return false;
    this.registered.set(accelerator, callback);
    return true;
  }
  unregister(accelerator: string): void {
    this.registered.delete(accelerator);
  }
}

class FakeProtocol {
  readonly privileged: CustomScheme[] = [];
  readonly handlers = new Map<string, (request: Request) => Response | Promise<Response>>();

  registerSchemesAsPrivileged(schemes: CustomScheme[]): void {
    this.privileged.push(...schemes);
  }
  handle(scheme: string, handler: (request: Request) => Response | Promise<Response>): void {
    this.handlers.set(scheme, handler);
  }
}

type InvokeListener = Parameters<IpcMain['handle']>[1];

class FakeIpcMain {
  readonly handlers = new Map<string, InvokeListener>();

  handle(channel: string, listener: InvokeListener): void {
    // As Electron: a second handler on one channel throws.
    if (this.handlers.has(channel))
      throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, listener);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
}

export class FakeWebContents extends Emitter {
  readonly sent: { channel: string; args: unknown[] }[] = [];
  windowOpenHandler: ((details: HandlerDetails) => WindowOpenHandlerResponse) | null = null;

  send(channel: string, ...args: unknown[]): void {
    this.sent.push({ channel, args });
  }
  setWindowOpenHandler(handler: (details: HandlerDetails) => WindowOpenHandlerResponse): void {
    this.windowOpenHandler = handler;
  }
}

export interface FakeBrowserWindow extends Emitter {
  readonly id: number;
  readonly options: BrowserWindowConstructorOptions;
  readonly webContents: FakeWebContents;
  loadedUrl: string | null;
  shown: boolean;
  focused: number;
  close(): void;
}

/** BrowserWindow as a class per fake, so each fake app has its own windows. */
function browserWindowClass(windows: FakeBrowserWindow[]) {
  return class BrowserWindow extends Emitter implements FakeBrowserWindow {
    readonly id = windows.length + 1;
    readonly webContents = new FakeWebContents();
    loadedUrl: string | null = null;
    shown = false;
    focused = 0;
    private destroyed = false;

    constructor(readonly options: BrowserWindowConstructorOptions) {
      super();
      windows.push(this);
    }
    static fromWebContents(contents: unknown): FakeBrowserWindow | null {
      return windows.find((win) => win.webContents === contents) ?? null;
    }
    loadURL(url: string): Promise<void> {
      this.loadedUrl = url;
      return Promise.resolve();
    }
    show(): void {
      this.shown = true;
    }
    hide(): void {
      this.shown = false;
    }
    isVisible(): boolean {
      return this.shown;
    }
    focus(): void {
      this.focused++;
    }
    isDestroyed(): boolean {
      return this.destroyed;
    }
    close(): void {
      this.destroyed = true;
      this.emit('closed');
    }
  };
}

const ENGINE_SOURCE = fileURLToPath(new URL('../../models/engine/entry.ts', import.meta.url));

/** A utilityProcess: the engine entry in a Node child, speaking through postMessage / 'message'. */
export class FakeUtilityProcess extends Emitter {
  readonly child: ChildProcess;
  exited = false;

  constructor() {
    super();
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
    // 'advanced' serialization: structured clone, as Electron's MessagePort (Uint8Array stays Uint8Array).
    this.child = fork(ENGINE_SOURCE, [], {
      execArgv: ['--import', tsx],
      serialization: 'advanced',
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    this.child.on('message', (message) => this.emit('message', message));
    this.child.on('exit', (code) => {
      this.exited = true;
      this.emit('exit', code ?? 1);
    });
  }
  get pid(): number | undefined {
    return this.child.pid;
  }
  get stdout() {
    return this.child.stdout;
  }
  get stderr() {
    return this.child.stderr;
  }
  postMessage(message: unknown): void {
    if (this.child.connected) this.child.send(message as never);
  }
  kill(): boolean {
    return this.child.kill();
  }
}

export function createFakeElectron() {
  const windows: FakeBrowserWindow[] = [];
  const app = new FakeApp();
  const defaultSession = new FakeSession();
  const protocol = new FakeProtocol();
  const ipcMain = new FakeIpcMain();
  const forks: { modulePath: string; args: string[] | undefined; options: ForkOptions | undefined }[] = [];
  const utilityProcesses: FakeUtilityProcess[] = [];
  const globalShortcut = new FakeGlobalShortcut();
  // One screen; no thumbnails (capture.ts has its own tests with images).
  const desktopCapturer = { getSources: () => Promise.resolve([]) };
  const screen = { getAllDisplays: () => [{ size: { width: 1920, height: 1080 }, scaleFactor: 1 }] };
  const systemPreferences = { getMediaAccessStatus: () => 'granted' };
  const dialog = {
    messageBoxes: [] as MessageBoxOptions[],
    errorBoxes: [] as [title: string, content: string][],
    /** What the next message box answers (button index). */
    response: 1,
    showMessageBox(...args: unknown[]): Promise<{ response: number; checkboxChecked: boolean }> {
      dialog.messageBoxes.push(args.at(-1) as MessageBoxOptions);
      return Promise.resolve({ response: dialog.response, checkboxChecked: false });
    },
    showErrorBox(title: string, content: string): void {
      dialog.errorBoxes.push([title, content]);
    },
  };
  const shell = {
    opened: [] as string[],
    openExternal(url: string): Promise<void> {
      shell.opened.push(url);
      return Promise.resolve();
    },
  };
  const utilityProcess = {
    fork(modulePath: string, args?: string[], options?: ForkOptions): FakeUtilityProcess {
      forks.push({ modulePath, args, options });
      const child = new FakeUtilityProcess();
      utilityProcesses.push(child);
      return child;
    },
  };
  const safeStorage = {
    isEncryptionAvailable: () => false,
    encryptString: (): Buffer => {
      throw new Error('fake safeStorage: no encryption');
    },
    decryptString: (): string => {
      throw new Error('fake safeStorage: no encryption');
    },
  };
  return {
    app,
    defaultSession,
    protocol,
    ipcMain,
    dialog,
    shell,
    windows,
    forks,
    utilityProcesses,
    globalShortcut,
    /** What `import … from 'electron'` gives main.ts: only what it uses, so a new use fails loudly. */
    module: {
      app,
      BrowserWindow: browserWindowClass(windows),
      desktopCapturer,
      dialog,
      globalShortcut,
      ipcMain,
      nativeTheme: { shouldUseDarkColors: false },
      protocol,
      safeStorage,
      screen,
      session: { defaultSession },
      shell,
      systemPreferences,
      utilityProcess,
    },
  };
}

export type FakeElectron = ReturnType<typeof createFakeElectron>;
