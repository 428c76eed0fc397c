/**
 * Screen capture from the app (issue 18), end to end in `tessera serve` with Chromium's fake capture source
 * (--use-fake-ui-for-media-stream accepts the picker, --use-fake-device-for-media-stream gives a 1280×720
 * screen): the capture button's screenshot is attached whole with its tile plan, then a region of a second
 * one at full resolution; a picker refused (=deny) says so and attaches nothing. Recording the screen (issue
 * 19), with a generated Qwen2-VL model active: about 2 s are recorded with the indicator showing, Stop makes
 * the WebM a video card with sampled frames and ends the capture track; a refused picker records nothing
 * and says so; with the SmolVLM model (no video) the record button is disabled and says why. Screenshots go
 * to e2e-artifacts/.
 */
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planFromFolder } from '../models/families/plan-folder.ts';
import { qwenTestModel } from '../models/families/qwen2-vl/testing.ts';
import { testModelDir } from '../models/testing/test-models.ts';
import type { Host } from './harness.ts';
import { CHROMIUM, byId, openApp, screenshot, startHost } from './harness.ts';

let host: Host;
let modelDir: string;
const browsers: Browser[] = [];

/** Chromium as the harness launches it, plus the fake capture flags this test needs. */
async function pageWith(captureFlags: string[], url = host.url): Promise<Page> {
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
  await openApp(page, url);
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
    // The host keeps the first test's draft (its two captures): what counts is that the refusal adds nothing
    // to it, so the draft is waited for before counting.
    const before = 2;
    await expect.poll(() => page.locator(byId('attachment-item')).count(), { timeout: 30_000 }).toBe(before);
    await page.locator(byId('capture-button')).click();
    const toast = page.locator(byId('toast'));
    await toast.waitFor();
    expect(await toast.textContent()).toContain('Screen capture was cancelled or not allowed.');
    expect(await page.getByRole('dialog').count()).toBe(0);
    expect(await page.locator(byId('attachment-item')).count()).toBe(before);
    await screenshot(page, 'capture-denied');
  });

  it('offers no screen recording for a model that does not take video, and says why', async () => {
    const page = await pageWith(['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream']);
    const record = page.locator(byId('record-button'));
    await expect.poll(() => record.getAttribute('title')).toMatch(/does not take video/);
    expect(await record.isDisabled()).toBe(true);
  });
});

describe('recording the screen in the browser', () => {
  let videoHost: Host;
  beforeAll(async () => {
    videoHost = await startHost({ modelDirs: [await qwenTestModel('qwen2-vl')] });
  }, 300_000);
  afterAll(async () => {
    await videoHost?.stop();
  });

  it('records nothing when the picker is refused, and says so', async () => {
    const page = await pageWith(
      ['--use-fake-ui-for-media-stream=deny', '--use-fake-device-for-media-stream'],
      videoHost.url,
    );
    const record = page.locator(byId('record-button'));
    await expect.poll(() => record.isEnabled(), { timeout: 30_000 }).toBe(true);
    await record.click();
    const toast = page.locator(byId('toast'));
    await toast.waitFor();
    expect(await toast.textContent()).toContain(
      'Screen capture was cancelled or not allowed. Nothing was recorded',
    );
    expect(await page.locator(byId('recording-indicator')).count()).toBe(0);
    // Run before the recording test, so the host's draft holds no video to be restored meanwhile.
    expect(await page.locator(byId('video-card')).count()).toBe(0);
  });

  it('records about 2 s with the indicator showing; Stop makes it a video card with sampled frames', async () => {
    const page = await pageWith(
      ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream'],
      videoHost.url,
    );
    // The page's capture streams, kept to see their tracks stopped (the browser's indicator then goes away).
    await page.evaluate(() => {
      const media = navigator.mediaDevices;
      const pick = media.getDisplayMedia.bind(media);
      const streams: MediaStream[] = [];
      Object.assign(window, { captureStreams: streams });
      media.getDisplayMedia = async (options) => {
        const stream = await pick(options);
        streams.push(stream);
        return stream;
      };
    });
    const trackStates = () =>
      page.evaluate(() =>
        (window as unknown as { captureStreams: MediaStream[] }).captureStreams.flatMap((s) =>
          s.getTracks().map((t) => t.readyState),
        ),
      );
    const record = page.locator(byId('record-button'));
    await expect.poll(() => record.isEnabled(), { timeout: 30_000 }).toBe(true);
    await record.click();
    const indicator = page.locator(byId('recording-indicator'));
    await indicator.waitFor();
    await expect.poll(() => indicator.textContent(), { timeout: 10_000 }).toMatch(/Recording 0:02 \/ 0:30/);
    expect(await trackStates()).toEqual(['live']);
    await screenshot(page, 'record-indicator');
    await indicator.getByRole('button', { name: 'Stop' }).click();
    await indicator.waitFor({ state: 'detached' });
    expect(await trackStates()).toEqual(['ended']);
    const card = page.locator(byId('video-card'));
    await expect.poll(() => card.getAttribute('data-status'), { timeout: 60_000 }).toBe('ready');
    expect(await card.getAttribute('aria-label')).toMatch(/^Video: Screen recording .+\.webm$/);
    expect(await card.locator(`${byId('video-strip')} img`).count()).toBeGreaterThanOrEqual(2);
    // The fake screen is 1280×720; the recording is some 2 s long (its length found by seeking: no header).
    const facts = (await card.locator(byId('video-facts')).textContent()) ?? '';
    expect(facts).toMatch(/ 1280×720 px · \d+ frames/);
    expect(Number(/^(\d+\.\d) s/.exec(facts)?.[1])).toBeGreaterThanOrEqual(1.5);
    await screenshot(page, 'record-card');
  });
});
