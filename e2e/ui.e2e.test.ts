/**
 * Daily-use qualities in the real browser: thousands of threads stay a short DOM (virtualised), keyboard
 * shortcuts work, and every button has an accessible name.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testModelDir } from '../models/testing/test-models.ts';
import type { Session } from './harness.ts';
import { byId, openSession, screenshot } from './harness.ts';

const THREADS = 3000;
let session: Session;
let page: Page;

beforeAll(async () => {
  session = await openSession({
    modelDirs: [await testModelDir()],
    seedStore: (store) => {
      for (let i = 1; i <= THREADS; i++) store.createThread(`Thread number ${i}.`);
    },
  });
  page = session.page;
});

afterAll(() => session?.close());

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
