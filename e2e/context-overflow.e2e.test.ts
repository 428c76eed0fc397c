/**
 * A conversation that outgrows the model's context window, in the browser: with "Leave out the oldest
 * turns" chosen in Settings, the third long question is answered, its stats say what was left out, and the
 * first turn stays in the thread, marked. Screenshot: e2e-artifacts/context-overflow.png.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadTextModel } from '../models/text/tokenizer.ts';
import { testModelDir } from '../models/testing/test-models.ts';
import type { Session } from './harness.ts';
import { byId, openSession, screenshot } from './harness.ts';

let session: Session;
let words: number;

beforeAll(async () => {
  const dir = await testModelDir({ seed: 1 });
  // About 750 tokens a question with this model's tokenizer: three of them overflow its 2,048.
  words = Math.round((100 * 750) / loadTextModel(dir).encode('word '.repeat(100)).length);
  session = await openSession({
    modelDirs: [dir],
    seedStore: (store) => store.updateSettings({ sampling: { maxTokens: 6 } }),
  });
});
afterAll(() => session?.close());

describe('context overflow', () => {
  it('leaves out the oldest turn, says so in the answer, and marks it in the thread', async () => {
    const { page } = session;
    await page.locator(byId('open-settings')).click();
    await page.locator(byId('context-overflow')).selectOption('drop-oldest');
    await page.locator(byId('dialog-close')).first().click();

    const answers = page.locator(`${byId('message-item')}[data-role="assistant"]`);
    for (let n = 1; n <= 3; n++) {
      await page.locator(byId('composer-input')).fill(`Question ${n}: ${'word '.repeat(words)}`);
      await page.keyboard.press('Enter');
      await expect.poll(() => answers.count(), { timeout: 60_000 }).toBe(n);
      await expect
        .poll(() => answers.nth(n - 1).getAttribute('data-status'), { timeout: 120_000 })
        .toBe('complete');
    }
    await expect.poll(() => page.locator(byId('dropped-note')).textContent()).toContain('2 earlier messages');
    await expect.poll(() => page.locator(byId('left-out')).count()).toBe(2);
    await expect(page.locator(byId('left-out')).first().textContent()).resolves.toContain('Question 1');
    await screenshot(page, 'context-overflow');
  });
});
