/**
 * Screen capture from the app (issue 18), end to end in `tessera serve` with Chromium's fake capture source
 * (--use-fake-ui-for-media-stream accepts the picker, --use-fake-device-for-media-stream gives a 1280×720
 * screen): the capture button's screenshot is attached whole with its tile plan, then a region of a second
 * one at full resolution; a picker refused (=deny) says so and attaches nothing. Screenshots go to
 * e2e-artifacts/.
 */
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planFromFolder } from '../models/families/plan-folder.ts';
import { testModelDir } from '../models/testing/test-models.ts';
import type { Host } from './harness.ts';
import { CHROMIUM, byId, openApp, screenshot, startHost } from './harness.ts';

let host: Host;
let modelDir: string;
const browsers: Browser[] = [];

/** Chromium as the harness launches it, plus the fake capture flags this test needs. */
async function pageWith(captureFlags: string[]): Promise<Page> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      ...captureFlags,
    ],
  });
  browsers.push(browser);
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on('pageerror', (error) => {
    throw error;
  });
  await openApp(page, host.url);
  return page;
}

beforeAll(async () => {
  modelDir = await testModelDir({ seed: 1 });
  host = await startHost({ modelDirs: [modelDir] });
}, 300_000);

afterAll(async () => {
  for (const browser of browsers) await browser.close();
  await host?.stop();
});

const tokensOf = async (page: Page, index: number) =>
  Number(((await page.locator(byId('attachment-tokens')).nth(index).textContent()) ?? '').replace(/\D/g, ''));

describe('capturing the screen in the browser', () => {
  it('attaches a screenshot whole with its tile plan, then a region of another at full resolution', async () => {
    const page = await pageWith(['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream']);
    await page.locator(byId('capture-button')).click();
    const dialog = page.getByRole('dialog', { name: 'Screenshot' });
    await dialog.waitFor();
    expect(await dialog.locator('.capture-size').textContent()).toMatch(/^Screenshot .+\.png · 1280×720$/);
    await screenshot(page, 'capture-dialog');
    await dialog.getByRole('button', { name: 'Attach whole screenshot' }).click();
    const cards = page.locator(`${byId('attachment-item')}[data-status="ready"]`);
    await cards.first().waitFor({ timeout: 60_000 });
    expect(await cards.first().locator('.attachment-name').textContent()).toMatch(/^Screenshot .+\.png$/);
    expect(await tokensOf(page, 0)).toBe(planFromFolder(modelDir, { width: 1280, height: 720 }).promptTokens);

    // A region: the selection starts inside the frame (RegionSelector), and the crop is cut at that size.
    await page.locator(byId('capture-button')).click();
    await dialog.waitFor();
    await dialog.locator('.region-selection').focus();
    await screenshot(page, 'capture-region');
    await dialog.getByRole('button', { name: 'Attach region' }).click();
    await expect.poll(() => cards.count(), { timeout: 60_000 }).toBe(2);
    const name = (await cards.nth(1).locator('.attachment-name').textContent()) ?? '';
    const [, width, height] = /crop (\d+)×(\d+)\.png$/.exec(name) ?? [];
    expect(Number(width)).toBeGreaterThan(0);
    expect(Number(width)).toBeLessThan(1280);
    expect(await tokensOf(page, 1)).toBe(
      planFromFolder(modelDir, { width: Number(width), height: Number(height) }).promptTokens,
    );
    await page.locator(byId('composer-input')).scrollIntoViewIfNeeded();
    await screenshot(page, 'capture-attached');
  });

  it('says so when the picker is refused, and attaches nothing', async () => {
    const page = await pageWith([
      '--use-fake-ui-for-media-stream=deny',
      '--use-fake-device-for-media-stream',
    ]);
    // The host keeps the first test's draft: what counts is that the refusal adds nothing to it.
    const before = await page.locator(byId('attachment-item')).count();
    await page.locator(byId('capture-button')).click();
    const toast = page.locator(byId('toast'));
    await toast.waitFor();
    expect(await toast.textContent()).toContain('Screen capture was cancelled or not allowed.');
    expect(await page.getByRole('dialog').count()).toBe(0);
    expect(await page.locator(byId('attachment-item')).count()).toBe(before);
    await screenshot(page, 'capture-denied');
  });
});
