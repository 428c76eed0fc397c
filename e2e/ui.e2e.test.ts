/**
 * Daily-use qualities in the real browser: thousands of threads stay a short DOM (virtualised), keyboard
 * shortcuts work, and every button has an accessible name.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../main/store/store.ts';
import { testModelDir } from '../models/testing/test-models.ts';
import type { Host } from './harness.ts';
import { launchBrowser, screenshot, startHost } from './harness.ts';

const THREADS = 3000;
let host: Host;
let browser: Browser;
let page: Page;

const byId = (id: string) => `[data-testid="${id}"]`;

beforeAll(async () => {
  host = await startHost({ modelDirs: [await testModelDir()] });
  const store = openStore(host.dataDir);
  for (let i = 1; i <= THREADS; i++) store.createThread(`Thread number ${i}.`);
  store.close();
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(host.url);
  await page.locator(`${byId('engine-status')}[data-state="ready"]`).waitFor({ timeout: 120_000 });
});

afterAll(async () => {
  await browser?.close();
  await host?.stop();
});

describe('everyday use', () => {
  it('keeps thousands of threads a short list in the DOM, newest first, all reachable', async () => {
    await expect
      .poll(() => page.locator(byId('thread-item')).first().textContent())
      .toContain(`Thread number ${THREADS}.`);
    const rendered = await page.locator(byId('thread-item')).count();
    expect(rendered).toBeGreaterThan(5);
    expect(rendered).toBeLessThan(200);
    // The list is the inner element of its scroller.
    await page.locator(byId('thread-list')).evaluate((list) => {
      const scroller = list.parentElement as HTMLElement;
      scroller.scrollTo(0, scroller.scrollHeight);
    });
    await expect
      .poll(() => page.locator(byId('thread-item')).filter({ hasText: 'Thread number 1.' }).count())
      .toBe(1);
    await screenshot(page, '11-many-threads');
  });

  it('opens the help overlay with ?, focuses search with Ctrl+K and the composer with Ctrl+L', async () => {
    await page.locator('body').click({ position: { x: 700, y: 300 } });
    await page.keyboard.press('?');
    await page.locator(byId('help-dialog')).waitFor();
    await expect.poll(() => page.locator(byId('help-dialog')).textContent()).toMatch(/search/i);
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator(byId('help-dialog')).count()).toBe(0);
    await page.keyboard.press('Control+k');
    await expect
      .poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-testid')))
      .toBe('thread-search');
    await page.keyboard.press('Control+l');
    await expect
      .poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-testid')))
      .toBe('composer-input');
  });

  it('gives every button an accessible name', async () => {
    const unnamed = await page
      .locator('button')
      .evaluateAll((buttons) =>
        buttons
          .filter((b) => !(b.getAttribute('aria-label') || b.textContent?.trim() || b.getAttribute('title')))
          .map((b) => b.outerHTML.slice(0, 120)),
      );
    expect(unnamed).toEqual([]);
  });
});
