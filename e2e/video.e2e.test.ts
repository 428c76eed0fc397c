/**
 * A video in the app (issue 19), end to end in Chromium through `tessera serve`: a WebM made with ffmpeg is
 * dropped on the window; the renderer's own media stack opens it, the services plan it for the generated
 * Qwen2-VL model, the sampled frames are read (each a different picture of the moving test pattern) and
 * stored; the card shows them with the length and the token cost; the frame view pairs them into temporal
 * patches (screenshots to e2e-artifacts/, light and dark); the question is answered, streamed, and shows
 * its video. A file Chromium cannot decode is said on its card. A card left unsent is kept in the thread's
 * draft: after a reload it is back with its stored frames, and it is answered as well.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { qwenTestModel } from '../models/families/qwen2-vl/testing.ts';
import type { Session } from './harness.ts';
import { byId, dropFile as dropOn, openSession, screenshot, testClip } from './harness.ts';

let session: Session;
let page: Page;
let webm: Uint8Array;

beforeAll(async () => {
  webm = testClip(2);
  session = await openSession({ modelDirs: [await qwenTestModel('qwen2-vl')] });
  page = session.page;
}, 300_000);

afterAll(async () => {
  await session?.close();
});

const dropFile = (bytes: Uint8Array, name: string, type: string) => dropOn(page, bytes, name, type);

/** The drafted videos' names and frame counts, read beside the running server (WAL lets a reader in). */
function draftedVideos(): string[] {
  const db = new Database(join(session.host.dataDir, 'tessera.db'), { readonly: true });
  try {
    const rows = db.prepare<[], { videos: string }>('SELECT videos FROM drafts').all();
    return rows.flatMap((row) =>
      (JSON.parse(row.videos) as Array<{ name: string; frames: unknown[] }>).map(
        (v) => `${v.name}: ${v.frames.length} frames`,
      ),
    );
  } finally {
    db.close();
  }
}

describe('a video in the app', () => {
  it('takes a dropped WebM: frames, length and cost on its card, the frame view, an answer', async () => {
    await dropFile(webm, 'bug.webm', 'video/webm');
    const card = page.locator(byId('video-card'));
    await expect.poll(() => card.getAttribute('data-status'), { timeout: 60_000 }).toBe('ready');
    const frames = card.locator(`${byId('video-strip')} img`);
    expect(await frames.count()).toBe(4);
    // Each sampled frame is its own moment of the moving pattern: the seeks landed.
    const fingerprints = await frames.evaluateAll((images) =>
      (images as HTMLImageElement[]).map((image) => {
        const canvas = document.createElement('canvas');
        canvas.width = image.naturalWidth;
        canvas.height = image.naturalHeight;
        const context = canvas.getContext('2d');
        context?.drawImage(image, 0, 0);
        const pixels = context?.getImageData(0, 0, canvas.width, canvas.height).data ?? [];
        let hash = 0;
        for (let i = 0; i < pixels.length; i += 97) hash = (hash * 31 + (pixels[i] ?? 0)) >>> 0;
        return `${image.naturalWidth}x${image.naturalHeight}:${hash}`;
      }),
    );
    expect(new Set(fingerprints).size).toBe(4);
    expect(await page.locator(byId('video-facts')).textContent()).toMatch(
      /^2\.0 s of 2\.0 s · 320×240 px · 4 frames/,
    );
    const tokens = Number((await page.locator(byId('video-tokens')).textContent())?.replace(/\D/g, ''));
    expect(tokens).toBeGreaterThan(0);

    await screenshot(page, 'video-card');
    await card.getByRole('button', { name: 'Show the frames of bug.webm' }).click();
    const dialog = page.getByRole('dialog', { name: 'Frames of bug.webm' });
    await dialog.waitFor();
    expect(await dialog.locator(byId('frame-view-patch')).count()).toBe(2);
    await expect
      .poll(() =>
        dialog.locator('img').evaluateAll((imgs) => (imgs as HTMLImageElement[]).every((i) => i.complete)),
      )
      .toBe(true);
    await screenshot(page, 'video-frame-view');
    await page.emulateMedia({ colorScheme: 'dark' });
    await screenshot(page, 'video-frame-view-dark');
    await page.emulateMedia({ colorScheme: 'light' });
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });

    await page.locator(byId('composer-input')).fill('What changes between the frames?');
    await page.locator(byId('send-button')).click();
    const answer = page.locator(`${byId('message-item')}[data-role="assistant"]`);
    await answer.waitFor({ timeout: 60_000 });
    await expect.poll(() => answer.getAttribute('data-status'), { timeout: 180_000 }).toBe('complete');
    expect((await answer.textContent())?.trim().length).toBeGreaterThan(0);
    const question = page.locator(`${byId('message-item')}[data-role="user"]`);
    expect(await question.locator(`${byId('message-video')} img`).count()).toBe(4);
    expect(await question.locator(byId('message-video')).textContent()).toContain(
      'Video bug.webm · 2.0 s · 4 frames',
    );
    expect(await page.locator(byId('video-card')).count()).toBe(0);
    // The sent video's frame view: planned again from the facts it was sent with, the stored frames.
    await question.getByRole('button', { name: 'Show the frames of bug.webm' }).click();
    const sentDialog = page.getByRole('dialog', { name: 'Frames of bug.webm' });
    await expect.poll(() => sentDialog.locator(byId('frame-view-patch')).count()).toBe(2);
    expect(await sentDialog.locator(byId('frame-view-summary')).textContent()).toContain(
      `${tokens} in the prompt`,
    );
    await page.keyboard.press('Escape');
    await sentDialog.waitFor({ state: 'detached' });
  });

  it('says on the card when Chromium cannot decode the file', async () => {
    await dropFile(new Uint8Array(4096).fill(7), 'broken.webm', 'video/webm');
    const error = page
      .locator(byId('video-card'))
      .filter({ hasText: 'broken.webm' })
      .locator(byId('video-error'));
    await error.waitFor({ timeout: 30_000 });
    expect(await error.textContent()).toMatch(/broken\.webm cannot be played here/);
    await page.getByRole('button', { name: 'Remove broken.webm' }).click();
    expect(await page.locator(byId('video-card')).count()).toBe(0);
  });

  it('keeps a card in the thread’s draft through a reload, with its frames, and answers it', async () => {
    await dropFile(webm, 'kept.webm', 'video/webm');
    const card = page.locator(byId('video-card'));
    await expect.poll(() => card.getAttribute('data-status'), { timeout: 60_000 }).toBe('ready');
    const tokens = await page.locator(byId('video-tokens')).textContent();
    await expect.poll(draftedVideos, { timeout: 10_000 }).toEqual(['kept.webm: 4 frames']);

    await page.reload();
    await page.locator(`${byId('engine-status')}[data-state="ready"]`).waitFor({ timeout: 120_000 });
    await expect.poll(() => card.getAttribute('data-status'), { timeout: 30_000 }).toBe('ready');
    expect(await card.getAttribute('aria-label')).toBe('Video: kept.webm');
    const frames = card.locator(`${byId('video-strip')} img`);
    expect(await frames.count()).toBe(4);
    // The stored frames are shown (decoded from the store, not from a file the page no longer has).
    await expect
      .poll(() =>
        frames.evaluateAll((imgs) =>
          (imgs as HTMLImageElement[]).every((i) => i.complete && i.naturalWidth > 0),
        ),
      )
      .toBe(true);
    expect(await page.locator(byId('video-facts')).textContent()).toMatch(
      /^2\.0 s of 2\.0 s · 320×240 px · 4 frames/,
    );
    expect(await page.locator(byId('video-tokens')).textContent()).toBe(tokens);
    expect(await page.locator(byId('video-from-draft')).count()).toBe(1);
    await screenshot(page, 'video-card-from-draft');

    const questions = page.locator(`${byId('message-item')}[data-role="user"]`);
    const asked = await questions.count();
    await page.locator(byId('composer-input')).fill('What is in this clip?');
    await page.locator(byId('send-button')).click();
    // The earlier answer is complete already: wait for this question's own.
    await expect.poll(() => questions.count(), { timeout: 30_000 }).toBe(asked + 1);
    const answers = page.locator(`${byId('message-item')}[data-role="assistant"]`);
    await expect.poll(() => answers.count(), { timeout: 60_000 }).toBe(asked + 1);
    const answer = answers.last();
    await expect.poll(() => answer.getAttribute('data-status'), { timeout: 180_000 }).toBe('complete');
    expect((await answer.textContent())?.trim().length).toBeGreaterThan(0);
    const question = questions.last();
    expect(await question.locator(`${byId('message-video')} img`).count()).toBe(4);
    expect(await page.locator(byId('video-card')).count()).toBe(0);
    await expect.poll(draftedVideos).toEqual([]);
  });
});
