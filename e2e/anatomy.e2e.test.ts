/**
 * The anatomy of an answer (issue 18), end to end: a real `tessera serve` answers a question about a pasted
 * screenshot with a generated tiny SmolVLM, and the panel opened from the answer's stats line draws its three
 * parts from what the engine recorded (views of the image, the merge, the decode chart). An answer stored
 * before these stats existed shows what it has and says what is not known. Screenshots go to e2e-artifacts/.
 */
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GenerationStats } from '../app/chat.ts';
import { planFromFolder } from '../models/families/plan-folder.ts';
import { gradientImage } from '../models/testing/images.ts';
import { testModelDir } from '../models/testing/test-models.ts';
import type { Session } from './harness.ts';
import { byId, openSession, pasteImage, screenshot } from './harness.ts';

let session: Session;
let page: Page;
let modelDir: string;

const OLD_THREAD = 'An answer from before';
const MAX_TOKENS = 40;

/** Stats as answers stored them before the anatomy's fields: no images, graphs, patch size or rates. */
const oldStats: GenerationStats = {
  promptTokens: 321,
  cachedTokens: 0,
  generatedTokens: 9,
  imagesEncoded: 1,
  imagesFromCache: 0,
  preprocessMs: 4,
  visionEncodeMs: 87,
  prefillMs: 55,
  timeToFirstTokenMs: 150,
  decodeTokensPerSecond: 21.5,
  overheadMsPerToken: 0.3,
  providers: {
    vision: { provider: 'cpu', dtype: 'fp32' },
    embed: { provider: 'cpu', dtype: 'fp32' },
    decoder: { provider: 'cpu', dtype: 'fp32' },
  },
};

beforeAll(async () => {
  modelDir = await testModelDir({ seed: 1 });
  session = await openSession({
    modelDirs: [modelDir],
    seedStore: (store) => {
      // Greedy and long enough for a few 16-token windows; a random tiny model rarely ends on its own.
      store.updateSettings({ sampling: { maxTokens: MAX_TOKENS, temperature: 0 } });
      const thread = store.createThread(OLD_THREAD);
      const question = store.addMessage({
        threadId: thread.id,
        parentId: null,
        role: 'user',
        parts: [{ type: 'text', text: 'An old question' }],
        status: 'complete',
      });
      const answer = store.addMessage({
        threadId: thread.id,
        parentId: question.id,
        role: 'assistant',
        parts: [{ type: 'text', text: 'An old answer' }],
        status: 'complete',
      });
      store.finishMessage(answer.id, { status: 'complete', stats: oldStats });
    },
  });
  page = session.page;
}, 300_000);

afterAll(() => session?.close());

async function openAnatomy(answer: Locator): Promise<Locator> {
  await answer.hover();
  await answer.locator(byId('anatomy-toggle')).click();
  const panel = answer.locator(byId('anatomy'));
  await panel.waitFor();
  return panel;
}

describe('the anatomy of an answer', () => {
  it('draws a generated answer’s encoder, connector and language model from what the engine recorded', async () => {
    await page.locator(byId('new-thread')).first().click();
    await pasteImage(page, byId('composer-input'), await gradientImage(400, 160));
    await page.locator(`${byId('attachment-item')}[data-status="ready"]`).waitFor({ timeout: 60_000 });
    await page.locator(byId('composer-input')).fill('What is in this picture?');
    await page.keyboard.press('Enter');
    const answer = page.locator(`${byId('message-item')}[data-role="assistant"]`);
    await answer.waitFor({ timeout: 60_000 });
    await expect.poll(() => answer.getAttribute('data-status'), { timeout: 180_000 }).toBe('complete');

    const panel = await openAnatomy(answer);
    const toggle = answer.locator(byId('anatomy-toggle'));
    expect(await toggle.getAttribute('aria-expanded')).toBe('true');
    expect(await panel.locator(byId('anatomy-missing')).count()).toBe(0);

    // The encoder: the graph it ran, and one button per view of the image's real plan.
    const plan = planFromFolder(modelDir, { width: 400, height: 160 }, 'high');
    const views = plan.tiles.length + (plan.global ? 1 : 0);
    expect(await panel.locator(byId('anatomy-vision-graph')).textContent()).toMatch(
      /^vision_encoder.*\.onnx$/,
    );
    expect(await panel.locator(byId('anatomy-view')).count()).toBe(views);
    expect(await panel.locator(byId('anatomy-vision')).textContent()).toContain(
      `Image 1: ${views} views, ${plan.imageTokens} tokens`,
    );

    // A click on a view gives its share.
    await panel.locator(byId('anatomy-view')).last().click();
    const tokens = plan.tiles[plan.tiles.length - 1]?.tokens ?? 0;
    expect(await panel.locator(byId('anatomy-share')).textContent()).toContain(`${tokens} tokens`);

    // The connector: the tiny model's patches of 8 px, pixel-shuffled by 2.
    expect(await panel.locator(byId('anatomy-merge')).textContent()).toBe('2×2 patches of 8 px → 1 token');

    // The language model: a bar per 16 decoded tokens (the first token comes from prefill).
    const generated = Number(
      /(\d+) tokens/.exec((await answer.locator('.stats-grid dd').nth(1).textContent()) ?? '')?.[1],
    );
    expect(generated).toBeGreaterThan(1);
    expect(await panel.locator(byId('anatomy-chart-bar')).count()).toBe(Math.ceil((generated - 1) / 16));
    await panel.scrollIntoViewIfNeeded();
    await screenshot(page, 'anatomy-generated');
    // The same in the dark theme (the app follows the system's).
    await page.emulateMedia({ colorScheme: 'dark' });
    await screenshot(page, 'anatomy-generated-dark');
    await page.emulateMedia({ colorScheme: 'light' });

    await toggle.click();
    await panel.waitFor({ state: 'detached' });
  });

  it('shows what a stored older answer has and says what it did not record', async () => {
    await page.locator(`${byId('thread-open')}[title="${OLD_THREAD}"]`).click();
    const answer = page.locator(`${byId('message-item')}[data-role="assistant"]`);
    await answer.waitFor();
    const panel = await openAnatomy(answer);
    const missing = await panel.locator(byId('anatomy-missing')).allTextContents();
    expect(missing).toEqual([
      'Which views each image became was not recorded for this answer (it is older than this panel). Encoding for it took 87 ms.',
      'Tokens per view were not recorded for this answer.',
      'How many prompt tokens were images was not recorded for this answer.',
      'Decode speed over the answer was not recorded; on average 21.5 tokens/s.',
    ]);
    expect(await panel.locator(byId('anatomy-prompt-bar')).getAttribute('aria-label')).toBe(
      '321 prompt tokens: 0 from the kept cache, 321 prefilled; then 9 generated',
    );
    await screenshot(page, 'anatomy-stored');
  });
});
