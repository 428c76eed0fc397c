/**
 * Drafts, end to end: a question typed and an image attached (low detail) come back after a reload, after the
 * engine process is killed, and after the serve process itself is killed with SIGKILL and started again on
 * the same data folder; once sent, the draft is gone (a reload shows an empty composer).
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gradientImage } from '../models/testing/images.ts';
import { testModelDir } from '../models/testing/test-models.ts';
import type { Host, Session } from './harness.ts';
import { byId, openApp, openSession, pasteImage, startHost } from './harness.ts';

const QUESTION = 'What colour is the top of this gradient?';
let modelDir: string;
let session: Session;
let page: Page;
let restarted: Host | null = null;

/** The stored draft's text, read beside the running server (WAL lets a reader in). */
function storedDraft(dataDir: string): string | null {
  const db = new Database(join(dataDir, 'tessera.db'), { readonly: true });
  try {
    const row = db.prepare<[], { text: string; images: string }>('SELECT text, images FROM drafts').get();
    return row ? `${row.text} | ${row.images}` : null;
  } finally {
    db.close();
  }
}

async function expectDraftShown(): Promise<void> {
  await expect
    .poll(() => page.locator(byId('composer-input')).inputValue(), { timeout: 30_000 })
    .toBe(QUESTION);
  const card = page.locator(`${byId('attachment-item')}[data-status="ready"]`);
  await expect.poll(() => card.count()).toBe(1);
  await expect.poll(() => page.locator(byId('detail-low')).getAttribute('aria-checked')).toBe('true');
  // Its plan was fetched again for the active model.
  await expect.poll(() => page.locator(byId('attachment-tokens')).count()).toBe(1);
}

beforeAll(async () => {
  modelDir = await testModelDir({ seed: 1 });
  session = await openSession({
    modelDirs: [modelDir],
    seedStore: (store) => store.updateSettings({ sampling: { maxTokens: 8 } }),
  });
  page = session.page;
});

afterAll(async () => {
  await session?.close();
  await restarted?.stop();
});

describe('drafts in the browser', () => {
  it('keeps a typed question and its image through a reload', async () => {
    await page.locator(byId('composer-input')).fill(QUESTION);
    await pasteImage(page, byId('composer-input'), await gradientImage(200, 120));
    await page.locator(`${byId('attachment-item')}[data-status="ready"]`).waitFor();
    await page.locator(byId('detail-low')).click();
    await expect
      .poll(() => storedDraft(session.host.dataDir), { timeout: 10_000 })
      .toMatch(new RegExp(`^${QUESTION.replace(/\?/g, '\\?')} \\| .*"detail":"low"`));

    await page.reload();
    await page.locator(`${byId('engine-status')}[data-state="ready"]`).waitFor({ timeout: 120_000 });
    await expectDraftShown();
  });

  it('keeps it when the engine process is killed (the draft lives in the main process’s store)', async () => {
    const engines = execFileSync('pgrep', ['-P', String(session.host.process.pid)], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .map(Number);
    for (const pid of engines) process.kill(pid, 'SIGKILL');
    await page.locator(`${byId('engine-status')}[data-state="ready"]`).waitFor({ timeout: 120_000 });
    await page.reload();
    await page.locator(`${byId('engine-status')}[data-state="ready"]`).waitFor({ timeout: 120_000 });
    await expectDraftShown();
  });

  it('keeps it when the server is killed with SIGKILL and started again on the same data', async () => {
    const { dataDir } = session.host;
    const exited = new Promise((resolve) => session.host.process.once('exit', resolve));
    session.host.process.kill('SIGKILL');
    await exited;
    restarted = await startHost({ modelDirs: [modelDir], dataDir });
    await openApp(page, restarted.url);
    await expectDraftShown();
  });

  it('clears the draft once the question is sent', async () => {
    await page.locator(byId('send-button')).click();
    const answer = page.locator(`${byId('message-item')}[data-role="assistant"]`).last();
    await expect.poll(() => answer.getAttribute('data-status'), { timeout: 120_000 }).toBe('complete');
    expect(storedDraft(must(restarted).dataDir)).toBeNull();

    await page.reload();
    await page.locator(`${byId('engine-status')}[data-state="ready"]`).waitFor({ timeout: 120_000 });
    await expect.poll(() => page.locator(byId('message-item')).count()).toBe(2);
    expect(await page.locator(byId('composer-input')).inputValue()).toBe('');
    expect(await page.locator(byId('attachment-item')).count()).toBe(0);
  });
});

function must<T>(value: T | null): T {
  if (value === null) throw new Error('Expected a value.');
  return value;
}
