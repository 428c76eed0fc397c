/**
 * Redaction before sending (issue 18), end to end in Chromium through `tessera serve`: a box dragged and a
 * brush stroke painted over a 1920×1080 attachment are black in the image that replaces it; the original
 * leaves the store (its row in SQLite and its file) before anything is sent; the question sent holds the
 * redacted image, stored, shown and recorded as such. Screenshots go to e2e-artifacts/.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Locator, Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MessagePart } from '../app/ipc/contract.ts';
import { testModelDir } from '../models/testing/test-models.ts';
import type { Session } from './harness.ts';
import { byId, openSession, pasteImage, screenshot } from './harness.ts';
import { near, patternAt, patternImage, pixelsOf } from './pixels.ts';

const W = 1920;
const H = 1080;
const BLACK = [0, 0, 0] as const;

let session: Session;
let page: Page;

beforeAll(async () => {
  session = await openSession({ modelDirs: [await testModelDir({ seed: 1 })] });
  page = session.page;
}, 300_000);

afterAll(async () => {
  await session?.close();
});

const cards = () => page.locator(`${byId('attachment-item')}[data-status="ready"]`);

/** What the running app's database holds, read by the test through its own connection. */
function query<T>(sql: string, ...params: unknown[]): T[] {
  const db = new Database(join(session.host.dataDir, 'tessera.db'), { readonly: true, fileMustExist: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

/** Rows anywhere in the store that name the image: its own, and messages' or drafts' JSON. */
function mentions(sha256: string): number {
  const [row] = query<{ n: number }>(
    `SELECT (SELECT count(*) FROM images WHERE sha256 = @sha)
          + (SELECT count(*) FROM messages WHERE instr(parts, @sha) > 0)
          + (SELECT count(*) FROM drafts WHERE instr(images, @sha) > 0) AS n`,
    { sha: sha256 },
  );
  return row?.n ?? NaN;
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

/** Inside the box, on the brush line, and outside both (the pattern, untouched). */
const BLACKED = [
  [110, 110],
  [350, 200],
  [590, 290],
  [1100, 800],
  [1300, 800],
  [1500, 800],
] as const;
const UNTOUCHED = [
  [80, 80],
  [620, 320],
  [1300, 700],
  [1900, 1060],
] as const;

function expectRedacted(colours: ReadonlyArray<readonly number[]>): void {
  BLACKED.forEach(([x, y], i) => expect(colours[i], `black at ${x},${y}`).toEqual(BLACK));
  UNTOUCHED.forEach(([x, y], i) => {
    const got = colours[BLACKED.length + i];
    expect(near(got, patternAt(x, y, W, H), 1), `untouched at ${x},${y}: ${got}`).toBe(true);
  });
}

describe('redaction before sending', () => {
  it('blacks out a box and a brush stroke; only the redacted image is stored and sent', async () => {
    const png = await patternImage(W, H);
    const original = createHash('sha256').update(png).digest('hex');
    await pasteImage(page, byId('composer-input'), png);
    await cards().first().waitFor({ timeout: 60_000 });
    // Attaching stores an image at once (plans, early encoding and drafts need it).
    expect(mentions(original)).toBeGreaterThan(0);

    await cards().first().locator(byId('attachment-redact')).click();
    const dialog = page.locator(byId('redact-dialog'));
    const count = dialog.locator(byId('redact-count'));
    await drag(dialog.locator(byId('region-stage')), [100, 100], [600, 300]);
    await expect.poll(() => count.textContent()).toBe('1 mark');
    await dialog.locator(byId('redact-tool-brush')).click();
    const brush = dialog.locator(byId('redact-brush-stage'));
    // A stray stroke, taken back, then the line meant.
    await drag(brush, [200, 900], [400, 950]);
    await expect.poll(() => count.textContent()).toBe('2 marks');
    await dialog.locator(byId('redact-undo')).click();
    await expect.poll(() => count.textContent()).toBe('1 mark');
    await drag(brush, [1050, 800], [1550, 800]);
    await expect.poll(() => count.textContent()).toBe('2 marks');
    await screenshot(page, 'redact-dialog');
    await page.emulateMedia({ colorScheme: 'dark' });
    await screenshot(page, 'redact-dialog-dark');
    await page.emulateMedia({ colorScheme: 'light' });

    await dialog.locator(byId('redact-apply')).click();
    await dialog.waitFor({ state: 'detached' });
    const card = cards().first();
    await expect
      .poll(() => card.getAttribute('aria-label'), { timeout: 60_000 })
      .toBe('Image 1: Pasted image 1 (redacted).png');
    expect(await page.locator(byId('attachment-item')).count()).toBe(1);
    // (a) The attached image's pixels are black there, and only there.
    const attached = await pixelsOf(card.locator('img').first(), [...BLACKED, ...UNTOUCHED]);
    expect({ width: attached.width, height: attached.height }).toEqual({ width: W, height: H });
    expectRedacted(attached.colours);
    await expect.poll(() => card.locator(byId('attachment-tokens')).textContent()).toMatch(/tokens$/);
    // Before anything is sent, the original is gone from the store: its row and its file.
    await expect.poll(() => mentions(original)).toBe(0);
    expect(existsSync(join(session.host.dataDir, 'images', original))).toBe(false);
    await screenshot(page, 'redact-attached');

    await page.locator(byId('composer-input')).fill('Is anything private left in this screenshot?');
    await page.keyboard.press('Enter');
    const answer = page.locator(`${byId('message-item')}[data-role="assistant"]`);
    await answer.waitFor({ timeout: 60_000 });
    await expect.poll(() => answer.getAttribute('data-status'), { timeout: 120_000 }).toBe('complete');

    // (b) After sending, the original's sha256 is nowhere in the database, and its file is not written.
    expect(mentions(original)).toBe(0);
    expect(existsSync(join(session.host.dataDir, 'images', original))).toBe(false);
    // (c) The question sent holds the redacted image: recorded, stored and shown.
    const [question] = query<{ parts: string }>(`SELECT parts FROM messages WHERE role = 'user'`);
    const parts = JSON.parse(question?.parts ?? '[]') as MessagePart[];
    const sent = parts.flatMap((p) => (p.type === 'image' ? [p.image] : []));
    expect(sent.map((i) => i.name)).toEqual(['Pasted image 1 (redacted).png']);
    const sha = sent[0]?.sha256 ?? '';
    expect(sha).not.toBe(original);
    const bytes = readFileSync(join(session.host.dataDir, 'images', sha));
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(sha);
    const { data, info } = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    expect({ width: info.width, height: info.height }).toEqual({ width: W, height: H });
    const at = ([x, y]: readonly [number, number]) => {
      const i = (y * W + x) * 3;
      return [data[i] ?? NaN, data[i + 1] ?? NaN, data[i + 2] ?? NaN];
    };
    expectRedacted([...BLACKED, ...UNTOUCHED].map(at));
    const shown = page.locator(`${byId('message-item')}[data-role="user"] ${byId('message-image')} img`);
    expectRedacted((await pixelsOf(shown, [...BLACKED, ...UNTOUCHED])).colours);
    await screenshot(page, 'redact-sent');
  });
});
