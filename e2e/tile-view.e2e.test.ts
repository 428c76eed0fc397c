/**
 * The tile view's dialog with the real engine's plans (issue 16): a tall screenshot is drawn wide enough
 * to read its tiles, each tile prints its tokens, Low detail shows the squashed image the model gets, and a
 * small icon warns that High detail enlarges it. Screenshots go to e2e-artifacts/.
 */
import type { Locator } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gradientImage } from '../models/testing/images.ts';
import { testModelDir } from '../models/testing/test-models.ts';
import type { Session } from './harness.ts';
import { byId, openSession, pasteImage, screenshot } from './harness.ts';

let session: Session;

beforeAll(async () => {
  session = await openSession({ modelDirs: [await testModelDir({ seed: 1 })] });
});

afterAll(async () => {
  await session?.close();
});

async function openTiles(index: number): Promise<Locator> {
  const { page } = session;
  await page.locator(byId('attachment-item')).nth(index).locator(byId('attachment-tiles')).click();
  const dialog = page.locator(byId('tile-dialog'));
  await dialog.waitFor();
  return dialog;
}

describe('the tile view', () => {
  it('draws a tall image legibly, with tokens on each tile, and what the model gets at Low detail', async () => {
    const { page } = session;
    await pasteImage(page, byId('composer-input'), await gradientImage(600, 2400));
    await page
      .locator(`${byId('attachment-item')}[data-status="ready"]`)
      .first()
      .waitFor();
    const dialog = await openTiles(0);
    await expect.poll(() => dialog.locator(byId('tile')).count()).toBeGreaterThan(0);
    const tile = await dialog.locator(byId('tile')).first().boundingBox();
    expect(tile?.width).toBeGreaterThan(300);
    const labels = await dialog.locator(byId('tile-tokens')).allTextContents();
    expect(labels.length).toBe(await dialog.locator(byId('tile')).count());
    for (const label of labels) expect(label).toMatch(/^\d[\d,]* tokens$/);
    await expect
      .poll(() => dialog.locator(byId('tile-dialog-total')).textContent())
      .toMatch(/^\d[\d,]* tokens$/);
    expect(await dialog.locator(byId('tile-dialog-help')).count()).toBe(1);
    await screenshot(page, 'tile-view-tall');

    // 100 %: the image at its own size, panned by scrolling.
    await dialog.locator(byId('zoom-actual')).click();
    const scroll = dialog.locator(byId('tile-scroll'));
    await expect.poll(() => scroll.evaluate((e) => e.scrollHeight > e.clientHeight)).toBe(true);
    await dialog.locator(byId('zoom-fit')).click();

    await dialog.locator(byId('detail-low')).click();
    await expect.poll(() => dialog.locator(byId('tile-overlay')).getAttribute('data-detail')).toBe('low');
    const modelView = dialog.locator(byId('tile-model-view'));
    await modelView.waitFor();
    const img = await modelView.locator('img').boundingBox();
    // The original is 1:4; the model gets the plan's resized aspect (square here), not a strip.
    const facts = await dialog.locator(byId('plan-facts')).textContent();
    const resized = /Resized to(\d+)×(\d+)/.exec(facts ?? '');
    expect(resized).not.toBeNull();
    const aspect = Number(resized?.[1]) / Number(resized?.[2]);
    expect(Math.abs((img?.width ?? 0) / (img?.height ?? 1) - aspect)).toBeLessThan(0.05);
    expect(await modelView.textContent()).toContain('What the model gets');
    expect(await dialog.locator(byId('tile-dialog-help')).count()).toBe(0);
    await screenshot(page, 'tile-view-low');
    await page.locator(byId('dialog-close')).first().click();
  });

  it('notes that High detail enlarges a small icon, and sends it at Low detail on request', async () => {
    const { page } = session;
    await pasteImage(page, byId('composer-input'), await gradientImage(40, 40));
    await expect.poll(() => page.locator(`${byId('attachment-item')}[data-status="ready"]`).count()).toBe(2);
    const dialog = await openTiles(1);
    const note = dialog.locator(byId('tile-upscale-note'));
    await expect
      .poll(() => note.textContent())
      .toMatch(
        /This small image is enlarged to \d+×\d+ at High detail \([\d,]+ tokens\); Low detail sends it as [\d,]+ tokens\./,
      );
    await note.locator(byId('use-low-detail')).click();
    await expect.poll(() => dialog.locator(byId('tile-overlay')).getAttribute('data-detail')).toBe('low');
    expect(await note.count()).toBe(0);
    await page.locator(byId('dialog-close')).first().click();
    // The attachment itself now goes at Low detail.
    await expect
      .poll(() =>
        page.locator(byId('attachment-item')).nth(1).locator(byId('detail-low')).getAttribute('aria-checked'),
      )
      .toBe('true');
  });
});
