/**
 * Region → full-resolution crop (issue 18), end to end in Chromium through `tessera serve`: a rectangle
 * dragged on a 1920×1080 attachment, and one chosen with the keys alone, attach crops of exactly that
 * region of the original pixels (a pattern whose every pixel says where it is), each with its own tile plan
 * and cost; on a sent image, "Ask about this region" starts the next question with the crop. Screenshots go
 * to e2e-artifacts/.
 */
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testModelDir } from '../models/testing/test-models.ts';
import type { Session } from './harness.ts';
import { byId, openSession, pasteImage, screenshot } from './harness.ts';
import { near, patternAt, patternImage, pixelsOf } from './pixels.ts';

const W = 1920;
const H = 1080;

let session: Session;
let page: Page;

beforeAll(async () => {
  session = await openSession({ modelDirs: [await testModelDir({ seed: 1 })] });
  page = session.page;
}, 300_000);

afterAll(async () => {
  await session?.close();
});

interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

const cards = () => page.locator(`${byId('attachment-item')}[data-status="ready"]`);

async function selectionIn(dialog: Locator): Promise<Rect> {
  const s = dialog.locator(byId('region-selection'));
  const read = async (k: string) => Number(await s.getAttribute(`data-${k}`));
  return { x: await read('x'), y: await read('y'), width: await read('width'), height: await read('height') };
}

/** The card's image is exactly `region` of the pattern: its size, its corners and its middle. */
async function expectCropOf(card: Locator, region: Rect): Promise<void> {
  const { width, height } = region;
  const points = [
    [0, 0],
    [width - 1, 0],
    [0, height - 1],
    [width - 1, height - 1],
    [Math.floor(width / 2), Math.floor(height / 3)],
  ] as const;
  const got = await pixelsOf(card.locator('img').first(), points);
  expect({ width: got.width, height: got.height }).toEqual({ width, height });
  points.forEach(([px, py], i) => {
    const want = patternAt(region.x + px, region.y + py, W, H);
    expect(near(got.colours[i], want, 1), `pixel ${px},${py}: ${got.colours[i]} vs ${want}`).toBe(true);
  });
}

describe('region → full-resolution crop', () => {
  it('attaches a dragged rectangle as a new image cut from the original pixels', async () => {
    await pasteImage(page, byId('composer-input'), await patternImage(W, H));
    await cards().first().waitFor({ timeout: 60_000 });
    await cards().first().locator(byId('attachment-region')).click();
    const dialog = page.locator(byId('tile-dialog'));
    const stage = dialog.locator(byId('region-stage'));
    await stage.waitFor();
    const box = await stage.boundingBox();
    if (!box) throw new Error('no stage');
    const scale = box.width / W;
    expect(Math.abs(box.height - H * scale)).toBeLessThan(1.5);
    // From (300, 200) to (700, 500) in original pixels, dragged up-left to down-right on screen.
    await page.mouse.move(box.x + 300 * scale, box.y + 200 * scale);
    await page.mouse.down();
    await page.mouse.move(box.x + 500 * scale, box.y + 350 * scale, { steps: 4 });
    await page.mouse.move(box.x + 700 * scale, box.y + 500 * scale, { steps: 4 });
    await page.mouse.up();
    const region = await selectionIn(dialog);
    for (const [got, want] of [
      [region.x, 300],
      [region.y, 200],
      [region.x + region.width, 700],
      [region.y + region.height, 500],
    ] as const)
      expect(Math.abs(got - want)).toBeLessThanOrEqual(2);
    expect(await dialog.locator(byId('region-readout')).textContent()).toBe(
      `Selection: ${region.width}×${region.height} px at ${region.x}, ${region.y} of ${W}×${H} (original pixels)`,
    );
    await screenshot(page, 'region-select');
    await page.emulateMedia({ colorScheme: 'dark' });
    await screenshot(page, 'region-select-dark');
    await page.emulateMedia({ colorScheme: 'light' });

    await dialog.locator(byId('region-submit')).click();
    await expect.poll(() => cards().count(), { timeout: 60_000 }).toBe(2);
    await dialog.waitFor({ state: 'detached' });
    const crop = cards().nth(1);
    expect(await crop.getAttribute('aria-label')).toContain(`crop ${region.width}×${region.height}.png`);
    await expectCropOf(crop, region);
    // Its own plan and cost, from the engine's planner for the crop's size.
    const cost = crop.locator(byId('attachment-tokens'));
    await expect.poll(() => cost.textContent()).toMatch(/^\d[\d,]* tokens$/);
    expect(await cost.getAttribute('title')).toMatch(
      new RegExp(`^${region.width}×${region.height} px, resized to`),
    );
    await screenshot(page, 'region-attached');
  });

  it('selects and attaches a region with the keyboard alone', async () => {
    const button = cards().first().locator(byId('attachment-region'));
    await button.focus();
    await page.keyboard.press('Enter');
    const dialog = page.locator(byId('tile-dialog'));
    const selection = dialog.locator(byId('region-selection'));
    await selection.waitFor();
    expect(await selection.evaluate((e) => e === document.activeElement)).toBe(true);
    expect(await selection.getAttribute('aria-label')).toContain(
      'Arrow keys move it, Shift+arrow keys resize it',
    );
    // The middle half, then 3 steps right, 2 steps taller (a step: 1 % of 1920 = 19 px).
    expect(await selectionIn(dialog)).toEqual({ x: 480, y: 270, width: 960, height: 540 });
    for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowRight');
    for (let i = 0; i < 2; i++) await page.keyboard.press('Shift+ArrowDown');
    const region = { x: 537, y: 270, width: 960, height: 578 };
    expect(await selectionIn(dialog)).toEqual(region);
    await page.keyboard.press('Enter');
    await expect.poll(() => cards().count(), { timeout: 60_000 }).toBe(3);
    await expectCropOf(cards().nth(2), region);
    // The next thing typed is the question about it.
    await expect
      .poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-testid')))
      .toBe('composer-input');
  });

  it('asks about a region of an image already sent', async () => {
    // Send the screenshot alone (the crops go), and wait for the answer.
    for (let i = 0; i < 2; i++) await cards().last().locator(byId('attachment-remove')).click();
    await expect.poll(() => cards().count()).toBe(1);
    await page.locator(byId('composer-input')).fill('What is on this screen?');
    await page.keyboard.press('Enter');
    const answer = page.locator(`${byId('message-item')}[data-role="assistant"]`);
    await answer.waitFor({ timeout: 60_000 });
    await expect.poll(() => answer.getAttribute('data-status'), { timeout: 120_000 }).toBe('complete');
    expect(await cards().count()).toBe(0);

    const ask = page.locator(`${byId('message-item')}[data-role="user"] ${byId('ask-region')}`);
    expect(await ask.getAttribute('aria-label')).toBe('Ask about a region of Image 1');
    await ask.click();
    const dialog = page.locator(byId('tile-dialog'));
    const submit = dialog.locator(byId('region-submit'));
    expect(await submit.textContent()).toBe('Ask about this region');
    // A smaller region at the top-left corner: up and left to the edge, then narrower and shorter.
    for (let i = 0; i < 30; i++) await page.keyboard.press('ArrowUp');
    for (let i = 0; i < 30; i++) await page.keyboard.press('ArrowLeft');
    for (let i = 0; i < 20; i++) await page.keyboard.press('Shift+ArrowLeft');
    for (let i = 0; i < 10; i++) await page.keyboard.press('Shift+ArrowUp');
    const region = { x: 0, y: 0, width: 580, height: 350 };
    expect(await selectionIn(dialog)).toEqual(region);
    await screenshot(page, 'region-ask');
    await submit.click();
    await expect.poll(() => cards().count(), { timeout: 60_000 }).toBe(1);
    await expectCropOf(cards().first(), region);
    await expect
      .poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-testid')))
      .toBe('composer-input');
    await screenshot(page, 'region-ask-attached');
  });
});
