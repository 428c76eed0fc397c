/**
 * What goes wrong, end to end: files that are not images, an image over the pixel limit, and the engine
 * process dying mid-answer. Each gets a clear message, nothing is lost, and the app keeps working.
 */
import { execFileSync } from 'node:child_process';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gradientImage, hugePngHeader } from '../models/testing/images.ts';
import { testModelDir } from '../models/testing/test-models.ts';
import type { Session } from './harness.ts';
import { byId, openSession, pasteImage, screenshot } from './harness.ts';

let session: Session;
let page: Page;

const answers = () => page.locator(`${byId('message-item')}[data-role="assistant"]`);

beforeAll(async () => {
  session = await openSession({
    modelDirs: [await testModelDir({ seed: 1 })],
    seedStore: (store) => store.updateSettings({ sampling: { maxTokens: 1500 } }),
  });
  page = session.page;
});

afterAll(() => session?.close());

describe('failures in the browser', () => {
  it('shows an inline error for a pasted file that is not an image, and sends the rest', async () => {
    await pasteImage(page, byId('composer-input'), new TextEncoder().encode('%PDF-1.7 not an image'));
    const error = page.locator(byId('attachment-error'));
    await expect.poll(() => error.textContent()).toMatch(/not an image|could not be/i);
    await pasteImage(page, byId('composer-input'), await gradientImage(200, 120));
    await page.locator(`${byId('attachment-item')}[data-status="ready"]`).waitFor();
    expect(await page.locator(byId('attachment-item')).count()).toBe(2);
  });

  it('names the pixel limit for an image that is too large', async () => {
    await pasteImage(page, byId('composer-input'), hugePngHeader(30000, 30000));
    await expect
      .poll(() => page.locator(byId('attachment-error')).last().textContent())
      .toMatch(/30000 × 30000.*limit of 100 megapixels/);
    await screenshot(page, '07-attachment-errors');
  });

  it('marks an answer failed when the engine crashes mid-answer, restarts it, and retries', async () => {
    await page.locator(byId('composer-input')).fill('Describe the image at length.');
    await page.keyboard.press('Enter');
    await page.locator(byId('stop-button')).waitFor({ timeout: 30_000 });
    // The engine is the serve process's child: kill it the hard way, as a native crash would.
    const engines = execFileSync('pgrep', ['-P', String(session.host.process.pid)], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .map(Number);
    for (const pid of engines) process.kill(pid, 'SIGKILL');
    await expect.poll(() => answers().last().getAttribute('data-status'), { timeout: 60_000 }).toBe('failed');
    await expect.poll(() => page.locator(byId('message-error')).last().textContent()).toMatch(/engine/i);
    await screenshot(page, '08-engine-crash');
    await page.locator(`${byId('engine-status')}[data-state="ready"]`).waitFor({ timeout: 120_000 });
    await page.locator(byId('retry-button')).last().click();
    await expect
      .poll(() => answers().last().getAttribute('data-status'), { timeout: 120_000 })
      .toBe('complete');
    // The question survived the crash.
    await expect
      .poll(() =>
        page
          .locator(`${byId('message-item')}[data-role="user"]`)
          .last()
          .textContent(),
      )
      .toContain('Describe the image at length.');
  });
});
