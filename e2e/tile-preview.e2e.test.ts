/**
 * The tile view's marks and caption with real layout (issue 16): a 1920×1080 screenshot (4 × 3 tiles with
 * the generated model) and a tall capture (2 × 4) attached in the composer, and the screenshot in the big
 * dialog. Every printed mark is whole inside its tile, no two marks overlap, the global view's label covers
 * no tile, and the caption shown on hover and on keyboard focus is whole inside the window. Screenshots:
 * e2e-artifacts/tile-preview.png (the composer's preview, hovered) and tile-preview-dialog.png.
 */
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gradientImage } from '../models/testing/images.ts';
import { testModelDir } from '../models/testing/test-models.ts';
import type { Session } from './harness.ts';
import { byId, openSession, pasteImage, screenshot } from './harness.ts';

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

const VIEWPORT = { width: 1280, height: 800 };
/** Sub-pixel rounding of boxes. */
const SLACK = 0.5;

const inside = (inner: Box, outer: Box) =>
  inner.x >= outer.x - SLACK &&
  inner.y >= outer.y - SLACK &&
  inner.x + inner.width <= outer.x + outer.width + SLACK &&
  inner.y + inner.height <= outer.y + outer.height + SLACK;
const overlap = (a: Box, b: Box) =>
  a.x < b.x + b.width - SLACK &&
  b.x < a.x + a.width - SLACK &&
  a.y < b.y + b.height - SLACK &&
  b.y < a.y + a.height - SLACK;

async function box(locator: Locator): Promise<Box> {
  const found = await locator.boundingBox();
  if (!found) throw new Error('not displayed');
  return found;
}

let session: Session;

beforeAll(async () => {
  session = await openSession({ modelDirs: [await testModelDir({ seed: 1 })] });
});
afterAll(() => session?.close());

/**
 * Checks the marks of one tile view and returns how many tile labels it printed: each whole inside its
 * tile (and its text not cut inside its own box), no two overlapping, the global label over no tile.
 */
async function checkMarks(view: Locator): Promise<number> {
  const tiles = view.locator(byId('tile'));
  const marks: Array<{ name: string; box: Box }> = [];
  const tileBoxes: Box[] = [];
  let labels = 0;
  for (let i = 0; i < (await tiles.count()); i++) {
    const tile = tiles.nth(i);
    const tileBox = await box(tile);
    tileBoxes.push(tileBox);
    for (const id of ['tile-label', 'tile-tokens']) {
      const mark = tile.locator(byId(id));
      if ((await mark.count()) === 0) continue;
      if (id === 'tile-label') labels++;
      const markBox = await box(mark);
      const name = `${id} of tile ${i} (${await mark.textContent()})`;
      expect(inside(markBox, tileBox), `${name} inside its tile`).toBe(true);
      expect(await mark.evaluate((e) => e.scrollWidth <= e.clientWidth), `${name} not cut`).toBe(true);
      marks.push({ name, box: markBox });
    }
  }
  const global = view.locator(byId('tile-global-label'));
  const globalBox = await box(global);
  expect(await global.evaluate((e) => e.scrollWidth <= e.clientWidth), 'global label not cut').toBe(true);
  for (const tileBox of tileBoxes)
    expect(overlap(globalBox, tileBox), 'global label over a tile').toBe(false);
  marks.push({ name: 'global label', box: globalBox });
  for (const [i, a] of marks.entries()) {
    for (const b of marks.slice(i + 1)) expect(overlap(a.box, b.box), `${a.name} / ${b.name}`).toBe(false);
  }
  return labels;
}

/** Hovers, then focuses, each element: the caption appears whole inside the window each time. */
async function checkCaption(page: Page, targets: Locator[]): Promise<void> {
  const caption = page.locator(byId('tile-hover-caption'));
  const whole = async (what: string) => {
    await expect.poll(() => caption.getAttribute('data-side'), { message: what }).not.toBeNull();
    const b = await box(caption);
    expect(b.x, what).toBeGreaterThanOrEqual(0);
    expect(b.y, what).toBeGreaterThanOrEqual(0);
    expect(b.x + b.width, what).toBeLessThanOrEqual(VIEWPORT.width);
    expect(b.y + b.height, what).toBeLessThanOrEqual(VIEWPORT.height);
    expect((await caption.textContent())?.length, what).toBeGreaterThan(10);
  };
  for (const [i, target] of targets.entries()) {
    await target.hover();
    await whole(`caption on hovering target ${i}`);
    await page.mouse.move(0, 0);
    await expect.poll(() => caption.count()).toBe(0);
    await target.focus();
    await whole(`caption on focusing target ${i}`);
    await target.blur();
    await expect.poll(() => caption.count()).toBe(0);
  }
}

describe('the tile view’s marks and caption', () => {
  it('fit whole in the composer’s preview and in the dialog', async () => {
    const { page } = session;
    await pasteImage(page, byId('composer-input'), await gradientImage(1920, 1080));
    await pasteImage(page, byId('composer-input'), await gradientImage(1080, 2400));
    const cards = page.locator(`${byId('attachment-item')}[data-status="ready"]`);
    await expect.poll(() => cards.count(), { timeout: 60_000 }).toBe(2);

    // The screenshot: 4 columns × 3 rows, every tile labelled in the small preview.
    const screenshotView = cards.nth(0).locator(byId('tile-view'));
    await expect.poll(() => screenshotView.locator(byId('tile')).count()).toBe(12);
    expect(await checkMarks(screenshotView)).toBe(12);
    const tall = cards.nth(1).locator(byId('tile-view'));
    await expect.poll(() => tall.locator(byId('tile')).count()).toBe(8);
    await checkMarks(tall);
    const tiles = screenshotView.locator(byId('tile'));
    await checkCaption(page, [
      tiles.first(),
      tiles.last(),
      screenshotView.locator(byId('tile-global-label')),
      tall.locator(byId('tile')).last(),
    ]);
    await tiles.last().hover();
    await screenshot(page, 'tile-preview');

    await cards.nth(0).locator(byId('attachment-tiles')).click();
    const dialog = page.locator(byId('tile-dialog'));
    await dialog.waitFor();
    const large = dialog.locator(byId('tile-view'));
    await expect.poll(() => large.locator(byId('tile')).count()).toBe(12);
    expect(await checkMarks(large)).toBe(12);
    await checkCaption(page, [
      large.locator(byId('tile')).first(),
      large.locator(byId('tile')).last(),
      large.locator(byId('tile-global-label')),
    ]);
    await large.locator(byId('tile')).last().hover();
    await screenshot(page, 'tile-preview-dialog');
  });
});
