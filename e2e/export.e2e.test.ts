/**
 * Exporting a thread through the header's Export menu, end to end: a real `tessera serve` writes the
 * Markdown and JSON, the renderer saves them as downloads, and Chromium hands them to Playwright.
 */
import { readFile } from 'node:fs/promises';
import type { Download, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gradientImage } from '../models/testing/images.ts';
import { testModelDir } from '../models/testing/test-models.ts';
import type { Session } from './harness.ts';
import { byId, openSession, pasteImage, screenshot } from './harness.ts';

let session: Session;
let page: Page;

const QUESTION = 'What colours does this gradient have?';

beforeAll(async () => {
  session = await openSession({
    modelDirs: [await testModelDir({ seed: 1 })],
    // Short answers keep the test quick.
    seedStore: (store) => store.updateSettings({ sampling: { maxTokens: 12 } }),
  });
  page = session.page;
});

afterAll(() => session?.close());

/** Chooses a format in the Export menu and reads the file Chromium downloaded. */
async function exportAs(
  testId: 'export-markdown' | 'export-json' | 'export-html',
): Promise<{ name: string; text: string }> {
  await page.locator(byId('export-menu')).click();
  const [download] = await Promise.all([
    page.waitForEvent('download', { timeout: 30_000 }),
    page.locator(byId(testId)).click(),
  ]);
  return { name: download.suggestedFilename(), text: await readDownload(download) };
}

async function readDownload(download: Download): Promise<string> {
  const path = await download.path();
  return readFile(path, 'utf8');
}

describe('exporting a thread', () => {
  it('has the Export menu disabled until a thread is open', async () => {
    expect(await page.locator(byId('export-menu')).isDisabled()).toBe(true);
  });

  it('asks about a pasted image and waits for the answer', async () => {
    await pasteImage(page, byId('composer-input'), await gradientImage(320, 200));
    await page.locator(`${byId('attachment-item')}[data-status="ready"]`).waitFor({ timeout: 60_000 });
    await page.locator(byId('composer-input')).fill(QUESTION);
    await page.keyboard.press('Enter');
    const answer = page.locator(`${byId('message-item')}[data-role="assistant"]`);
    await answer.waitFor({ timeout: 60_000 });
    await expect.poll(() => answer.getAttribute('data-status'), { timeout: 120_000 }).toBe('complete');
    await page.locator(byId('message-image')).waitFor();
    expect(await page.locator(byId('export-menu')).isEnabled()).toBe(true);
  });

  it('offers Markdown, JSON and a web page in the Export menu', async () => {
    await page.locator(byId('export-menu')).click();
    const menu = page.getByRole('menu');
    await menu.waitFor();
    await menu.evaluate((el) => Promise.all(el.getAnimations().map((a) => a.finished)));
    expect(await menu.getByRole('menuitem').allTextContents()).toEqual([
      'Markdown',
      'JSON',
      'Web page (HTML)',
    ]);
    await screenshot(page, '09-export');
    await page.keyboard.press('Escape');
    await menu.waitFor({ state: 'detached' });
    expect(await page.locator(byId('message-item')).count()).toBe(2);
  });

  it('downloads the thread as Markdown with the image inline', async () => {
    const { name, text } = await exportAs('export-markdown');
    expect(name).toMatch(/\.md$/);
    expect(name).toContain('what-colours');
    expect(text).toContain(`# ${QUESTION}`);
    expect(text).toContain('**You**');
    expect(text).toContain(QUESTION);
    expect(text).toContain('**Assistant**');
    expect(text).toMatch(/!\[[^\]]*\]\(data:image\/png;base64,[A-Za-z0-9+/]+=*\)/);
  });

  it('downloads the thread as one self-contained web page that opens offline', async () => {
    const { name, text } = await exportAs('export-html');
    expect(name).toMatch(/\.html$/);
    expect(text).toContain('<!doctype html>');
    expect(text).toMatch(/<img src="data:image\/png;base64,[A-Za-z0-9+/]+=*"/);
    expect(text).toContain('<strong>You</strong>');
    expect(text).not.toContain('<script');
    // Opened as a file with no network, it shows the question and the image.
    const context = await session.browser.newContext({ offline: true });
    const offline = await context.newPage();
    await offline.setContent(text);
    expect(await offline.locator('main').textContent()).toContain(QUESTION);
    expect(
      await offline.locator('img').evaluate((img: HTMLImageElement) => img.naturalWidth),
    ).toBeGreaterThan(0);
    await context.close();
  });

  it('downloads the thread as JSON with the messages and the image', async () => {
    const { name, text } = await exportAs('export-json');
    expect(name).toMatch(/\.json$/);
    const exported = JSON.parse(text) as {
      format: string;
      thread: { title: string };
      messages: Array<{ role: string; status: string; parts: Array<{ type: string; text?: string }> }>;
      images: Record<string, { mime: string; width: number; height: number; data: string | null }>;
    };
    expect(exported.format).toBe('tessera-thread');
    expect(exported.thread.title).toBe(QUESTION);
    expect(exported.messages.map((m) => m.role)).toEqual(['user', 'assistant']);
    const question = exported.messages[0];
    expect(question?.parts.map((p) => p.type)).toEqual(['image', 'text']);
    expect(question?.parts[1]?.text).toBe(QUESTION);
    expect(exported.messages[1]?.status).toBe('complete');
    const images = Object.values(exported.images);
    expect(images).toHaveLength(1);
    expect(images[0]).toMatchObject({ mime: 'image/png', width: 320, height: 200 });
    expect(
      Buffer.from(images[0]?.data ?? '', 'base64')
        .subarray(1, 4)
        .toString(),
    ).toBe('PNG');
  });
});
