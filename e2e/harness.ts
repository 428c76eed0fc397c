/**
 * End-to-end harness: a real `tessera serve` process (real engine, real SQLite, real WebSocket) with a
 * generated tiny model, and Debian's Chromium driven by Playwright. Nothing is stubbed.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { openStore } from '../main/store/store.ts';
import type { Store } from '../main/store/types.ts';

const bin = fileURLToPath(new URL('../bin/tessera.mjs', import.meta.url));
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const ARTIFACTS = fileURLToPath(new URL('../e2e-artifacts/', import.meta.url));

export interface Host {
  url: string;
  dataDir: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Starts `tessera serve` and resolves with the URL it prints (token included). */
export async function startHost(options: {
  modelDirs: string[];
  dataDir?: string;
  /** A local hub for model downloads (`--hub-endpoint`). */
  hubEndpoint?: string;
}): Promise<Host> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'tessera-e2e-'));
  const args = [bin, 'serve', '--port', '0', '--data-dir', dataDir];
  for (const dir of options.modelDirs) args.push('--model-dir', dir);
  if (options.hubEndpoint) args.push('--hub-endpoint', options.hubEndpoint);
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    let stdout = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /running at (\S+)/.exec(stdout);
      if (match?.[1]) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`tessera serve exited with ${code}: ${stderr}`)));
  });
  return {
    url,
    dataDir,
    process: child,
    stop: () =>
      new Promise<void>((resolve) => {
        // A process killed by a signal has a signalCode and no exitCode.
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Root in CI, and a closed network: no sandbox, no background connections.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** Saves a screenshot under e2e-artifacts/ (kept by CI as a test artefact). */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  // Let opening dialogs and fades finish (endless ones, such as spinners, are not waited for).
  await page.evaluate(() =>
    Promise.all(
      document
        .getAnimations()
        .filter((a) => a.effect?.getTiming().iterations !== Infinity)
        .map((a) => a.finished.catch(() => undefined)),
    ),
  );
  await page.screenshot({ path, fullPage: false });
  return path;
}

/**
 * Pastes an image as a snipping tool does: a ClipboardEvent whose clipboardData carries the PNG as an
 * item of kind 'file' (the page must read `items`, not only `files`).
 */
export async function pasteImage(page: Page, selector: string, png: Uint8Array, type = 'image/png') {
  await page.locator(selector).focus();
  await page.evaluate(
    ({ selector, bytes, type }) => {
      const target = document.querySelector(selector);
      if (!target) throw new Error(`no ${selector}`);
      const data = new DataTransfer();
      data.items.add(new File([new Uint8Array(bytes)], 'image.png', { type }));
      target.dispatchEvent(
        new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }),
      );
    },
    { selector, bytes: Array.from(png), type },
  );
}

/**
 * A WebM made with ffmpeg: `seconds` of testsrc2 (a moving pattern with a running clock, so every sampled
 * frame differs) at 320×240 and 10 fps, VP8.
 */
export function testClip(seconds: number): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-clip-'));
  try {
    const clip = join(dir, 'clip.webm');
    execFileSync('ffmpeg', [
      ...['-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc2=size=320x240:rate=10:duration=${seconds}`],
      ...['-c:v', 'libvpx', '-b:v', '400k', '-pix_fmt', 'yuv420p', clip],
    ]);
    return new Uint8Array(readFileSync(clip));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Drops a file on the window, outside the composer, as a file manager does. */
export async function dropFile(page: Page, bytes: Uint8Array, name: string, type: string) {
  await page.evaluate(
    ({ bytes, name, type }) => {
      const data = new DataTransfer();
      data.items.add(new File([new Uint8Array(bytes)], name, { type }));
      const target = document.querySelector('main') ?? document.body;
      target.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
    },
    { bytes: Array.from(bytes), name, type },
  );
}

export const byId = (id: string): string => `[data-testid="${id}"]`;

/** Loads the app and waits until the engine has its model loaded. */
export async function openApp(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.locator(`${byId('engine-status')}[data-state="ready"]`).waitFor({ timeout: 120_000 });
}

export interface Session {
  host: Host;
  browser: Browser;
  page: Page;
  close(): Promise<void>;
}

/** A host (its store seeded first, if asked), Chromium, and a page showing the app with the engine ready. */
export async function openSession(options: {
  modelDirs: string[];
  seedStore?: (store: Store) => void;
}): Promise<Session> {
  const host = await startHost({ modelDirs: options.modelDirs });
  if (options.seedStore) {
    const store = openStore(host.dataDir);
    try {
      options.seedStore(store);
    } finally {
      store.close();
    }
  }
  const browser = await launchBrowser();
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  page.on('pageerror', (error) => {
    throw error;
  });
  await openApp(page, host.url);
  return {
    host,
    browser,
    page,
    close: async () => {
      await browser.close();
      await host.stop();
    },
  };
}
