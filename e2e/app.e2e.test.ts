/**
 * The newcomer's path, end to end: a real `tessera serve` (engine process, SQLite, WebSocket) with two
 * generated tiny models, and the real renderer in Debian's Chromium. Screenshots of the main screens go
 * to e2e-artifacts/.
 */
import { basename } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../main/store/store.ts';
import { gradientImage } from '../models/testing/images.ts';
import { testModelDir } from '../models/testing/test-models.ts';
import type { Host } from './harness.ts';
import { byId, launchBrowser, openApp as openAppAt, pasteImage, screenshot, startHost } from './harness.ts';

let modelA: string;
let modelB: string;
let host: Host;
let browser: Browser;
let page: Page;

const answers = () => page.locator(`${byId('message-item')}[data-role="assistant"]`);
const questions = () => page.locator(`${byId('message-item')}[data-role="user"]`);

const openApp = () => openAppAt(page, host.url);

async function ask(text: string): Promise<void> {
  const before = await answers().count();
  await page.locator(byId('composer-input')).fill(text);
  await page.keyboard.press('Enter');
  await expect.poll(() => answers().count(), { timeout: 60_000 }).toBe(before + 1);
  await waitForAnswers();
}

async function waitForAnswers(): Promise<void> {
  await expect
    .poll(() => page.locator(`${byId('message-item')}[data-status="streaming"]`).count(), {
      timeout: 120_000,
    })
    .toBe(0);
}

async function setMaxTokens(value: number): Promise<void> {
  await page.locator(byId('open-settings')).click();
  const input = page.locator(byId('default-max-tokens'));
  await input.fill(String(value));
  await input.press('Tab');
  await page.locator(byId('dialog-close')).first().click();
}

beforeAll(async () => {
  modelA = await testModelDir({ seed: 1 });
  modelB = await testModelDir({ seed: 2 });
  host = await startHost({ modelDirs: [modelA, modelB] });
  // Short answers keep the suite quick; the stop test raises the limit in Settings.
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
  await browser?.close();
  await host?.stop();
});

describe('Tessera in the browser', () => {
  it('opens with the engine ready and the first model active', async () => {
    await openApp();
    await expect.poll(() => page.locator(byId('model-chip')).textContent()).toContain(basename(modelA));
    await screenshot(page, '01-empty');
  });

  it('shows the tile view and token estimate for a pasted screenshot, live per detail', async () => {
    await pasteImage(page, byId('composer-input'), await gradientImage(640, 400));
    const attachment = page.locator(byId('attachment-item'));
    await page.locator(`${byId('attachment-item')}[data-status="ready"]`).waitFor();
    await expect.poll(() => attachment.locator(byId('attachment-label')).textContent()).toBe('Image 1');
    const overlay = page.locator(byId('tile-overlay'));
    await expect.poll(() => overlay.getAttribute('data-detail')).toBe('high');
    const tiles = await page.locator(byId('tile')).count();
    expect(tiles).toBeGreaterThan(1);
    await page.locator(byId('tile-global')).waitFor();
    const highTokens = await page.locator(byId('attachment-tokens')).textContent();
    await expect.poll(() => page.locator(byId('token-estimate')).textContent()).toMatch(/\d/);
    await screenshot(page, '02-tile-view');

    await page.locator(byId('detail-low')).click();
    await expect.poll(() => overlay.getAttribute('data-detail')).toBe('low');
    expect(await page.locator(byId('tile')).count()).toBe(0);
    await expect.poll(() => page.locator(byId('attachment-tokens')).textContent()).not.toBe(highTokens);
    await page.locator(byId('detail-high')).click();
    await expect.poll(() => page.locator(byId('tile')).count()).toBe(tiles);
  });

  it('asks, and the answer streams in', async () => {
    // Record the answer's length each time the DOM changes: streaming means several distinct lengths.
    await page.evaluate(() => {
      const lengths: number[] = [];
      (window as unknown as { lengths: number[] }).lengths = lengths;
      new MutationObserver(() => {
        const answer = document.querySelectorAll('[data-testid="message-item"][data-role="assistant"]');
        const last = answer[answer.length - 1];
        if (last) lengths.push(last.textContent?.length ?? 0);
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    await setMaxTokens(200);
    await ask('What does this error mean?');
    const lengths = await page.evaluate(() => (window as unknown as { lengths: number[] }).lengths);
    expect(new Set(lengths.filter((n) => n > 0)).size).toBeGreaterThan(2);
    await expect.poll(() => answers().first().getAttribute('data-status')).toBe('complete');
    await expect.poll(() => page.locator(byId('message-stats')).first().textContent()).toMatch(/tokens\/s/);
    await expect
      .poll(() => page.locator(byId('thread-title')).textContent())
      .toContain('What does this error');
    await screenshot(page, '03-answer');
  });

  it('stops an answer', async () => {
    await setMaxTokens(1500);
    await page.locator(byId('composer-input')).fill('Tell me everything.');
    await page.keyboard.press('Enter');
    await page.locator(byId('stop-button')).click({ timeout: 30_000 });
    await waitForAnswers();
    await expect.poll(() => answers().last().getAttribute('data-status')).toBe('stopped');
    await setMaxTokens(24);
  });

  it('regenerates an answer as a second version', async () => {
    await answers().last().hover();
    await answers().last().locator(byId('regenerate-button')).click();
    await waitForAnswers();
    await expect.poll(() => answers().last().locator(byId('branch-position')).textContent()).toBe('2/2');
    await answers().last().locator(byId('branch-previous')).click();
    await expect.poll(() => answers().last().getAttribute('data-status')).toBe('stopped');
  });

  it('edits a question and switches between the branches', async () => {
    const question = questions().last();
    await question.hover();
    await question.locator(byId('edit-button')).click();
    await page.locator(byId('edit-input')).fill('Tell me briefly.');
    await page.locator(byId('edit-send')).click();
    await waitForAnswers();
    await expect.poll(() => questions().last().textContent()).toContain('Tell me briefly.');
    await expect.poll(() => questions().last().locator(byId('branch-position')).textContent()).toBe('2/2');
    await questions().last().locator(byId('branch-previous')).click();
    await expect.poll(() => questions().last().textContent()).toContain('Tell me everything.');
    await questions().last().locator(byId('branch-next')).click();
    await expect.poll(() => questions().last().textContent()).toContain('Tell me briefly.');
    await screenshot(page, '04-branches');
  });

  it('answers a follow-up about the same image', async () => {
    const before = await questions().count();
    await ask('And which colour dominates it?');
    expect(await questions().count()).toBe(before + 1);
    await expect.poll(() => answers().last().getAttribute('data-status')).toBe('complete');
  });

  it('searches threads by their messages', async () => {
    await page.locator(byId('new-thread')).click();
    // The new thread opens asynchronously: wait for its empty view before asking.
    await expect.poll(() => page.locator(byId('message-item')).count()).toBe(0);
    await ask('A second thread about bananas.');
    await expect.poll(() => page.locator(byId('thread-item')).count()).toBe(2);
    await page.locator(byId('thread-search')).fill('dominates');
    await expect.poll(() => page.locator(byId('thread-item')).count()).toBe(1);
    await expect
      .poll(() => page.locator(byId('thread-item')).textContent())
      .toContain('What does this error');
    await screenshot(page, '05-search');
    await page.locator(byId('thread-search')).fill('');
    await expect.poll(() => page.locator(byId('thread-item')).count()).toBe(2);
  });

  it('finds everything intact after the host restarts', async () => {
    await page.locator(byId('thread-item')).filter({ hasText: 'What does this error' }).click();
    await expect.poll(() => questions().count()).toBeGreaterThan(2);
    const shownQuestions = await questions().allTextContents();
    const shownAnswers = await answers().count();
    await host.stop();
    host = await startHost({ modelDirs: [modelA, modelB], dataDir: host.dataDir });
    await openApp();
    await expect.poll(() => page.locator(byId('thread-item')).count()).toBe(2);
    await page.locator(byId('thread-item')).filter({ hasText: 'What does this error' }).click();
    await expect.poll(() => questions().allTextContents()).toEqual(shownQuestions);
    expect(await answers().count()).toBe(shownAnswers);
    await page.locator(byId('message-image')).first().waitFor();
  });

  it('switches models in Settings', async () => {
    await page.locator(byId('open-settings')).click();
    await page.locator(byId('settings-models')).waitFor();
    await screenshot(page, '06-settings');
    await page
      .locator(byId('model-option'))
      .filter({ hasText: basename(modelB) })
      .click();
    await page.locator(byId('dialog-close')).first().click();
    await expect.poll(() => page.locator(byId('model-chip')).textContent()).toContain(basename(modelB));
    await page.locator(`${byId('engine-status')}[data-state="ready"]`).waitFor({ timeout: 120_000 });
    await ask('Which model answers now?');
    await expect.poll(() => answers().last().getAttribute('data-status')).toBe('complete');
  });
});
