/**
 * Confidence shading (issue 18), end to end: a real `tessera serve` answers with a generated tiny SmolVLM,
 * the engine records each token's probability, and "Show confidence" shades the answer's words with a
 * legend; hovering or focusing a word shows the alternatives the model weighed. Screenshots in the light
 * and dark themes go to e2e-artifacts/.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testModelDir } from '../models/testing/test-models.ts';
import type { Session } from './harness.ts';
import { byId, openSession, screenshot } from './harness.ts';

let session: Session;
let page: Page;

beforeAll(async () => {
  session = await openSession({
    modelDirs: [await testModelDir({ seed: 1 })],
    seedStore: (store) => store.updateSettings({ sampling: { maxTokens: 24, temperature: 0 } }),
  });
  page = session.page;
}, 300_000);

afterAll(() => session?.close());

describe('confidence shading', () => {
  it('shades a generated answer by the probabilities the engine recorded, with alternatives on hover and focus', async () => {
    await page.locator(byId('composer-input')).fill('Describe a boat.');
    await page.keyboard.press('Enter');
    const answer = page.locator(`${byId('message-item')}[data-role="assistant"]`);
    await answer.waitFor({ timeout: 60_000 });
    await expect.poll(() => answer.getAttribute('data-status'), { timeout: 180_000 }).toBe('complete');

    await answer.hover();
    const toggle = answer.locator(byId('confidence-toggle'));
    await toggle.click();
    expect(await toggle.getAttribute('aria-pressed')).toBe('true');
    const text = answer.locator(byId('confidence-text'));
    await text.waitFor();
    const words = text.locator(byId('confidence-word'));
    expect(await words.count()).toBeGreaterThan(0);
    const levels = await words.evaluateAll((all) => all.map((w) => w.getAttribute('data-level')));
    for (const level of levels) expect(['high', 'medium', 'low']).toContain(level);
    // The legend counts the words below 80 % as shaded.
    const unsure = levels.filter((l) => l !== 'high').length;
    expect(await answer.locator(byId('confidence-count')).textContent()).toContain(
      unsure === 0 ? 'No word below 80 %' : `${unsure} ${unsure === 1 ? 'word' : 'words'} below 80 %`,
    );

    // Hover: the tip gives the token's probability and the alternatives, each with its own.
    await words.first().hover();
    const tip = page.getByRole('tooltip');
    await tip.waitFor();
    expect(await tip.textContent()).toMatch(/: (\d+|< 1) %/);
    expect(await tip.locator('.confidence-tip-row').count()).toBe(5);
    await screenshot(page, 'confidence');

    // Keyboard: a shaded word is a tab stop whose tip is tied to it.
    if (unsure > 0) {
      const shaded = text.locator(`${byId('confidence-word')}:not([data-level="high"])`).first();
      await page.mouse.move(0, 0);
      await shaded.focus();
      const described = await shaded.getAttribute('aria-describedby');
      expect(described).toBeTruthy();
      expect(await page.locator(`[id="${described}"]`).getAttribute('role')).toBe('tooltip');
    }
    await page.emulateMedia({ colorScheme: 'dark' });
    await words.first().hover();
    await screenshot(page, 'confidence-dark');
    await page.emulateMedia({ colorScheme: 'light' });

    // Back to the Markdown (the tip closes as the pointer leaves its word).
    await page.mouse.move(0, 0);
    await expect.poll(() => tip.count()).toBe(0);
    await toggle.click();
    expect(await answer.locator(byId('confidence-view')).count()).toBe(0);
  });
});
