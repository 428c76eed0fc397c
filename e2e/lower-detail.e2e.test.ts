/**
 * "Lower the detail of earlier images" in the browser, on a model whose 400-token window holds one
 * High-detail image and not two: the second image's question fails with the context error, which offers
 * "Lower the detail of earlier images and retry"; the retry is answered and the first question is marked as
 * sent at Low. Undone from the composer's note, the meter offers it again for the next question, and that
 * question is answered too. Screenshot: e2e-artifacts/lower-detail.png.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { noiseImage } from '../models/testing/images.ts';
import { testModelDir } from '../models/testing/test-models.ts';
import type { Session } from './harness.ts';
import { byId, openSession, pasteImage, screenshot } from './harness.ts';

let session: Session;

beforeAll(async () => {
  const dir = await testModelDir({ seed: 1, contextLength: 400 });
  session = await openSession({
    modelDirs: [dir],
    seedStore: (store) => store.updateSettings({ sampling: { maxTokens: 6 } }),
  });
});
afterAll(() => session?.close());

describe('earlier images at Low detail', () => {
  it('is offered where it fits, beside the context error and in the meter, and the answers come', async () => {
    const { page } = session;
    const answers = page.locator(`${byId('message-item')}[data-role="assistant"]`);
    const answered = async (n: number, status = 'complete') => {
      await expect.poll(() => answers.count(), { timeout: 60_000 }).toBe(n);
      await expect
        .poll(() => answers.nth(n - 1).getAttribute('data-status'), { timeout: 120_000 })
        .toBe(status);
    };
    const draft = async (text: string, seed?: number) => {
      if (seed !== undefined) {
        await pasteImage(page, byId('composer-input'), await noiseImage(320, 240, seed));
        await expect
          .poll(() => page.locator(`${byId('attachment-item')}[data-status="ready"]`).count(), {
            timeout: 60_000,
          })
          .toBe(1);
      }
      await page.locator(byId('composer-input')).fill(text);
    };

    await draft('What is in this picture?', 1);
    await page.keyboard.press('Enter');
    await answered(1);

    // Two High-detail images overflow: sent anyway, the answer fails with the context error and the offer.
    await draft('And in this one?', 2);
    await expect.poll(() => page.locator(byId('lower-earlier-images')).count()).toBe(1);
    await page.keyboard.press('Enter');
    await answered(2, 'failed');
    const error = answers.nth(1).locator(byId('message-error'));
    expect(await error.textContent()).toMatch(/context window is 400: \d+ tokens over/);
    const offer = error.locator(byId('lower-and-retry'));
    await expect.poll(() => offer.textContent()).toBe('Lower the detail of earlier images and retry');
    await offer.click();
    await answered(2);
    await expect
      .poll(() => answers.nth(1).locator(byId('lowered-note')).textContent())
      .toBe('Images of 1 earlier question sent at Low detail');
    await expect.poll(() => page.locator(byId('sent-low')).count()).toBe(1);
    expect(await page.locator(byId('sent-low')).textContent()).toContain('What is in this picture?');
    // The history keeps the image as attached.
    expect(await page.locator(byId('message-image')).first().textContent()).toContain('High');
    await page.locator(byId('earlier-images-note')).waitFor();

    // Undone, the next question no longer fits, and the meter offers the same way out.
    await page.locator(byId('earlier-images-undo')).click();
    await expect.poll(() => page.locator(byId('earlier-images-note')).count()).toBe(0);
    await draft('Which of the two is brighter?');
    const warning = page.locator(byId('token-warning'));
    await expect
      .poll(() => warning.textContent())
      .toMatch(/with earlier images at Low detail it takes \d+ tokens/);
    await screenshot(page, 'lower-detail-offer');
    await warning.locator(byId('lower-earlier-images')).click();
    await page.locator(byId('earlier-images-note')).waitFor();
    await expect.poll(() => warning.count()).toBe(0);
    await page.locator(byId('composer-input')).press('Enter');
    await answered(3);
    await screenshot(page, 'lower-detail');
  });
});
