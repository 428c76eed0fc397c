/**
 * A SmolVLM2 video in the app (issue 19), end to end in Chromium through `tessera serve`: a WebM made with
 * ffmpeg is dropped with the generated SmolVLM2 model active (its video_sampling: 1 fps, at most 8 frames).
 * The card shows one frame a second and a cost that counts each frame's timestamp text; the frame view shows
 * single frames, each with its `Frame from mm:ss:` and its tokens, and no pairs (screenshot to
 * e2e-artifacts/); the question is answered and shows its video.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smolvlm2TestModel } from '../models/families/smolvlm/testing.ts';
import type { Session } from './harness.ts';
import { byId, dropFile, openSession, screenshot, testClip } from './harness.ts';

let session: Session;
let page: Page;
let webm: Uint8Array;

beforeAll(async () => {
  webm = testClip(3);
  session = await openSession({ modelDirs: [await smolvlm2TestModel()] });
  page = session.page;
}, 300_000);

afterAll(async () => {
  await session?.close();
});

describe('a SmolVLM2 video in the app', () => {
  it('shows single frames with their timestamps and tokens, and answers', async () => {
    await dropFile(page, webm, 'clock.webm', 'video/webm');
    const card = page.locator(byId('video-card'));
    await expect.poll(() => card.getAttribute('data-status'), { timeout: 60_000 }).toBe('ready');
    // 3 s at 1 fps: round(3) = 3 frames, at 0, 1.47 and 2.97 s (linspace over the nominal 90 frames).
    expect(await card.locator(`${byId('video-strip')} img`).count()).toBe(3);
    expect(await page.locator(byId('video-facts')).textContent()).toMatch(
      /^3\.0 s of 3\.0 s · 320×240 px · 3 frames/,
    );
    const tokens = Number((await page.locator(byId('video-tokens')).textContent())?.replace(/\D/g, ''));

    await card.getByRole('button', { name: 'Show the frames of clock.webm' }).click();
    const dialog = page.getByRole('dialog', { name: 'Frames of clock.webm' });
    await dialog.waitFor();
    const frames = dialog.locator(byId('frame-view-frame'));
    expect(await frames.count()).toBe(3);
    expect(await dialog.locator(byId('frame-view-patch')).count()).toBe(0);
    const labels = await frames.locator('code').allTextContents();
    expect(labels).toEqual(['Frame from 00:00:', 'Frame from 00:01:', 'Frame from 00:02:']);
    // Each frame: its view's image_seq_len tokens, 3 markers and its label's tokens; all of them, the intro
    // and the closing newlines make the card's figure.
    const perFrame = (await frames.locator('strong').allTextContents()).map((t) =>
      Number(/· (\d+) tokens/.exec(t)?.[1]),
    );
    expect(perFrame.every((n) => n > 0)).toBe(true);
    const summary = (await dialog.locator(byId('frame-view-summary')).textContent()) ?? '';
    expect(summary).toContain(`${tokens} in the prompt with the timestamps and the intro`);
    expect(summary).not.toMatch(/pair|patch/i);
    const videoTokens = Number(/(\d+) video tokens/.exec(summary)?.[1]);
    expect(tokens).toBeGreaterThan(perFrame.reduce((a, b) => a + b, 0));
    expect(perFrame.reduce((a, b) => a + b, 0)).toBeGreaterThan(videoTokens);
    await expect
      .poll(() =>
        dialog.locator('img').evaluateAll((imgs) => (imgs as HTMLImageElement[]).every((i) => i.complete)),
      )
      .toBe(true);
    await screenshot(page, 'video-smolvlm-frame-view');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });

    await page.locator(byId('composer-input')).fill('What does the clock show?');
    await page.locator(byId('send-button')).click();
    const answer = page.locator(`${byId('message-item')}[data-role="assistant"]`);
    await answer.waitFor({ timeout: 60_000 });
    await expect.poll(() => answer.getAttribute('data-status'), { timeout: 180_000 }).toBe('complete');
    expect((await answer.textContent())?.trim().length).toBeGreaterThan(0);
    const question = page.locator(`${byId('message-item')}[data-role="user"]`);
    expect(await question.locator(`${byId('message-video')} img`).count()).toBe(3);
    await screenshot(page, 'video-smolvlm-answer');
  });
});
