/**
 * A remote model in Chromium (issue 17): a second Tessera process (`tessera api`, a generated tiny model)
 * is the remote server, a `tessera serve` without local models is the app. The server is added in
 * Settings, its model chosen in the header, an image pasted (its tile plan drawn from the family the
 * server describes) and a question answered by streaming; a second answer is stopped.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gradientImage } from '../models/testing/images.ts';
import { testModelDir } from '../models/testing/test-models.ts';
import { openStore } from '../main/store/store.ts';
import { FaultServer } from '../main/remote/testing/fault-server.ts';
import { byId, launchBrowser, pasteImage, screenshot, startHost } from './harness.ts';
import type { Host } from './harness.ts';

const bin = fileURLToPath(new URL('../bin/tessera.mjs', import.meta.url));
const KEY = 'e2e-remote-key';

let peer: { url: string; process: ChildProcess } | null = null;
let host: Host | null = null;
let browser: Browser | null = null;
let page: Page;
let flaky: FaultServer | null = null;

/** `tessera api` on a free port with a generated model and a known key; resolves with its base URL. */
async function startPeer(modelDir: string): Promise<{ url: string; process: ChildProcess }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-e2e-peer-'));
  const args = [bin, 'api', '--port', '0', '--model-dir', modelDir, '--data-dir', dataDir];
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TESSERA_API_KEY: KEY },
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    let stdout = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /OpenAI-compatible API at (\S+)/.exec(stdout);
      if (match?.[1]) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`tessera api exited with ${code}: ${stderr}`)));
  });
  return { url, process: child };
}

const answers = () => page.locator(`${byId('message-item')}[data-role="assistant"]`);

async function setMaxTokens(value: number): Promise<void> {
  await page.locator(byId('open-settings')).click();
  const input = page.locator(byId('default-max-tokens'));
  await input.fill(String(value));
  await input.press('Tab');
  await page.locator(byId('dialog-close')).first().click();
}

beforeAll(async () => {
  const model = await testModelDir({ seed: 1 });
  peer = await startPeer(model);
  host = await startHost({ modelDirs: [] });
  // Short answers keep it quick; the stop test raises the limit in Settings.
  const store = openStore(host.dataDir);
  store.updateSettings({ sampling: { maxTokens: 24 } });
  store.close();
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on('pageerror', (error) => {
    throw error;
  });
});

afterAll(async () => {
  await flaky?.close();
  await browser?.close();
  await host?.stop();
  if (peer && peer.process.exitCode === null && peer.process.signalCode === null) {
    const exited = new Promise((resolve) => peer?.process.once('exit', resolve));
    peer.process.kill('SIGTERM');
    await exited;
  }
});

describe('a remote model served by another Tessera', () => {
  it('is added in Settings and chosen in the header, marked remote', async () => {
    await page.goto(host?.url ?? '');
    await page.locator(byId('open-settings')).click();
    await page.locator(byId('remote-url')).fill(peer?.url ?? '');
    await page.locator(byId('remote-key')).fill(KEY);
    await page.locator(byId('remote-name')).fill('Peer');
    await page.locator(byId('remote-submit')).click();
    const row = page.locator(byId('remote-server'));
    await expect.poll(() => row.textContent(), { timeout: 60_000 }).toContain('1 model');
    expect(await row.textContent()).toContain('API key set');
    await screenshot(page, 'remote-settings');
    await page.locator(byId('dialog-close')).first().click();

    await page.locator(byId('model-chip')).click();
    const item = page.locator(`${byId('model-picker-item')}:has(${byId('model-remote-mark')})`);
    expect(await item.textContent()).toContain('on Peer');
    await item.click();
    await expect.poll(() => page.locator(byId('model-chip')).textContent()).toMatch(/^remote/);
  });

  it('draws the tile plan from the family the server describes, and streams an answer', async () => {
    await pasteImage(page, byId('composer-input'), await gradientImage(640, 400));
    await page.locator(`${byId('attachment-item')}[data-status="ready"]`).waitFor({ timeout: 60_000 });
    await expect.poll(() => page.locator(byId('tile')).count()).toBeGreaterThan(1);
    await expect.poll(() => page.locator(byId('attachment-tokens')).textContent()).toMatch(/\d+ tokens/);

    // Record the answer's length at each DOM change: streaming means several distinct lengths.
    await page.evaluate(() => {
      const lengths: number[] = [];
      (window as unknown as { lengths: number[] }).lengths = lengths;
      new MutationObserver(() => {
        const all = document.querySelectorAll('[data-testid="message-item"][data-role="assistant"]');
        const last = all[all.length - 1];
        if (last) lengths.push(last.textContent?.length ?? 0);
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    await page.locator(byId('composer-input')).fill('What is in this image?');
    await page.keyboard.press('Enter');
    await expect.poll(() => answers().count(), { timeout: 60_000 }).toBe(1);
    await expect
      .poll(() => answers().first().getAttribute('data-status'), { timeout: 120_000 })
      .toBe('complete');
    const lengths = await page.evaluate(() => (window as unknown as { lengths: number[] }).lengths);
    expect(new Set(lengths.filter((n) => n > 0)).size).toBeGreaterThan(2);
    await expect
      .poll(() => page.locator(byId('message-model')).first().textContent())
      .toMatch(/\(remote: Peer, http:\/\/127\.0\.0\.1:\d+\/v1\)/);
    await screenshot(page, 'remote-answer');
  });

  it('stops a second answer', async () => {
    await setMaxTokens(1500);
    await page.locator(byId('composer-input')).fill('Tell me everything.');
    await page.keyboard.press('Enter');
    await expect.poll(() => answers().count(), { timeout: 60_000 }).toBe(2);
    // Some text first: the stop then cuts a stream in flight, not a request still waiting.
    await expect.poll(() => answers().last().textContent(), { timeout: 60_000 }).not.toBe('');
    await page.locator(byId('stop-button')).click({ timeout: 30_000 });
    await expect
      .poll(() => answers().last().getAttribute('data-status'), { timeout: 60_000 })
      .toBe('stopped');
    await screenshot(page, 'remote-stopped');
  });
});

describe('a remote server that breaks off', () => {
  it('keeps the partial answer, says what happened, and Retry answers', async () => {
    flaky = await FaultServer.start({ answer: 'The picture is a colour gradient.' });
    await page.locator(byId('open-settings')).click();
    await page.locator(byId('remote-url')).fill(flaky.baseUrl);
    await page.locator(byId('remote-name')).fill('Flaky');
    await page.locator(byId('remote-submit')).click();
    await expect.poll(() => page.locator(byId('remote-server')).count(), { timeout: 60_000 }).toBe(2);
    await page.locator(byId('dialog-close')).first().click();
    await page.locator(byId('model-chip')).click();
    await page.locator(`${byId('model-picker-item')}:has-text("on Flaky")`).click();
    await expect.poll(() => page.locator(byId('model-chip')).textContent()).toContain('test-vlm');

    // A server that does not describe its models: the meter does not guess.
    await expect
      .poll(() => page.locator(byId('token-estimate')).textContent(), { timeout: 30_000 })
      .toBe('Token count unknown: the tile plan is unknown for this server');

    flaky.inject({ kind: 'drop', chunks: 3 });
    const before = await answers().count();
    await page.locator(byId('composer-input')).fill('What is it?');
    await page.keyboard.press('Enter');
    await expect.poll(() => answers().count(), { timeout: 60_000 }).toBe(before + 1);
    const broken = answers().last();
    await expect.poll(() => broken.getAttribute('data-status'), { timeout: 60_000 }).toBe('failed');
    expect(await broken.locator('.answer-body').textContent()).toBe('The picture is'); // Markdown trims the space
    expect(await broken.locator(byId('message-error')).textContent()).toMatch(
      /The answer from Flaky \(http:\/\/127\.0\.0\.1:\d+\/v1\) broke off: the connection was cut\. What arrived is kept; Retry asks again\./,
    );
    await screenshot(page, 'remote-broken');

    await broken.locator(byId('retry-button')).click();
    await expect
      .poll(() => answers().last().getAttribute('data-status'), { timeout: 60_000 })
      .toBe('complete');
    expect(await answers().last().locator('.answer-body').textContent()).toBe(
      'The picture is a colour gradient.',
    );
    // The broken version stays, one step back.
    await expect.poll(() => answers().last().locator(byId('branch-position')).textContent()).toBe('2/2');
  });
});
