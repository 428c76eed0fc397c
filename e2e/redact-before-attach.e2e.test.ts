/**
 * Redaction before attaching (issue 18), end to end in Chromium through `tessera serve`: with the setting
 * "Redact new images before attaching them" on, a pasted image opens in the Redact dialog from the page's
 * memory; while the dialog is open nothing is stored, and after Apply and Send only the redacted image is:
 * the original's sha256 is never in the images table, nor its bytes in the image file store.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Locator, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessagePart } from '../app/ipc/contract.ts';
import { testModelDir } from '../models/testing/test-models.ts';
import type { Session } from './harness.ts';
import { byId, openSession, pasteImage, screenshot } from './harness.ts';
import { near, patternAt, patternImage } from './pixels.ts';

const W = 1280;
const H = 720;

let session: Session;
let page: Page;

beforeAll(async () => {
  session = await openSession({ modelDirs: [await testModelDir({ seed: 1 })] });
  page = session.page;
}, 300_000);

afterAll(async () => {
  await session?.close();
});

function query<T>(sql: string, ...params: unknown[]): T[] {
  const db = new Database(join(session.host.dataDir, 'tessera.db'), { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** The sha256 of every row in the images table. */
const storedRows = () => query<{ sha256: string }>('SELECT sha256 FROM images').map((r) => r.sha256);

/** The sha256 of the bytes of every file in the image file store (not only its names). */
function storedFiles(): string[] {
  const dir = join(session.host.dataDir, 'images');
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => sha256(readFileSync(join(entry.parentPath, entry.name))));
}

async function drag(stage: Locator, from: [number, number], to: [number, number]): Promise<void> {
  const box = await stage.boundingBox();
  if (!box) throw new Error('no stage');
  const scale = box.width / W;
  await page.mouse.move(box.x + from[0] * scale, box.y + from[1] * scale);
  await page.mouse.down();
  for (let i = 1; i <= 6; i++) {
    const t = i / 6;
    await page.mouse.move(
      box.x + (from[0] + (to[0] - from[0]) * t) * scale,
      box.y + (from[1] + (to[1] - from[1]) * t) * scale,
    );
  }
  await page.mouse.up();
}

describe('redaction before attaching', () => {
  it('never stores the original: only the redacted image is attached, stored and sent', async () => {
    await page.locator(byId('open-settings')).click();
    await page.locator(byId('redact-before-attach')).check();
    // Stored with the other settings (the desktop app and serve share them), not in the page.
    await expect
      .poll(() => query<{ value: string }>(`SELECT value FROM settings WHERE key = 'redactBeforeAttach'`))
      .toEqual([{ value: 'true' }]);
    await page.locator(byId('dialog-close')).first().click();

    const png = await patternImage(W, H);
    const original = sha256(png);
    await pasteImage(page, byId('composer-input'), png);
    const dialog = page.locator(byId('redact-dialog'));
    await expect
      .poll(() => dialog.locator('h2').textContent())
      .toBe('Redact Pasted image 1.png before attaching (1 of 1)');
    await drag(dialog.locator(byId('region-stage')), [100, 100], [500, 300]);
    await expect.poll(() => dialog.locator(byId('redact-count')).textContent()).toBe('1 mark');
    await screenshot(page, 'redact-before-attach');
    await page.emulateMedia({ colorScheme: 'dark' });
    await screenshot(page, 'redact-before-attach-dark');
    await page.emulateMedia({ colorScheme: 'light' });
    // With the dialog open, nothing is stored: no card, no row, no file.
    expect(await page.locator(byId('attachment-item')).count()).toBe(0);
    expect(storedRows()).toEqual([]);
    expect(storedFiles()).toEqual([]);

    await dialog.locator(byId('redact-apply')).click();
    await dialog.waitFor({ state: 'detached' });
    const card = page.locator(`${byId('attachment-item')}[data-status="ready"]`);
    await expect
      .poll(() => card.getAttribute('aria-label'), { timeout: 60_000 })
      .toBe('Image 1: Pasted image 1 (redacted).png');
    const [redacted] = storedRows();
    expect(storedRows()).toHaveLength(1);
    expect(redacted).not.toBe(original);
    expect(storedFiles()).not.toContain(original);

    await page.locator(byId('composer-input')).fill('Is anything private left in this screenshot?');
    await page.keyboard.press('Enter');
    const answer = page.locator(`${byId('message-item')}[data-role="assistant"]`);
    await answer.waitFor({ timeout: 60_000 });
    await expect.poll(() => answer.getAttribute('data-status'), { timeout: 120_000 }).toBe('complete');

    // After sending, still only the redacted image: in the table, the file store and the question sent.
    expect(storedRows()).toEqual([redacted]);
    expect(storedFiles()).not.toContain(original);
    expect(storedFiles()).toContain(redacted);
    const [question] = query<{ parts: string }>(`SELECT parts FROM messages WHERE role = 'user'`);
    const parts = JSON.parse(question?.parts ?? '[]') as MessagePart[];
    const sent = parts.flatMap((p) => (p.type === 'image' ? [p.image] : []));
    expect(sent.map((i) => [i.name, i.sha256])).toEqual([['Pasted image 1 (redacted).png', redacted]]);
    expect(query(`SELECT 1 FROM messages WHERE instr(parts, ?) > 0`, original)).toEqual([]);
    // The stored pixels: black in the box, the pattern outside it.
    const bytes = readFileSync(join(session.host.dataDir, 'images', redacted ?? ''));
    const { data } = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const at = (x: number, y: number) => {
      const i = (y * W + x) * 3;
      return [data[i] ?? NaN, data[i + 1] ?? NaN, data[i + 2] ?? NaN];
    };
    expect(at(300, 200)).toEqual([0, 0, 0]);
    expect(near(at(900, 600), patternAt(900, 600, W, H), 1)).toBe(true);
  });
});
