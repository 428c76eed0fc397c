/**
 * Switching models from the header's picker, end to end: a real `tessera serve` with two generated tiny
 * models of different families, the picker driven with the keyboard in Chromium, and an answer whose stats
 * line names the model that wrote it.
 */
import { basename } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testModelDir } from '../models/testing/test-models.ts';
import type { Session } from './harness.ts';
import { byId, openSession, screenshot } from './harness.ts';

let session: Session;
let page: Page;
let smol: string;
let onevision: string;

const FAMILY_NAMES: Record<string, string> = { smolvlm: 'SmolVLM', onevision: 'LLaVA-OneVision' };

beforeAll(async () => {
  smol = basename(await testModelDir({ family: 'smolvlm', seed: 1 }));
  const onevisionDir = await testModelDir({ family: 'llava-onevision', seed: 1 });
  onevision = basename(onevisionDir);
  session = await openSession({
    modelDirs: [await testModelDir({ family: 'smolvlm', seed: 1 }), onevisionDir],
    // Short answers keep the test quick.
    seedStore: (store) => store.updateSettings({ sampling: { maxTokens: 8 } }),
  });
  page = session.page;
});

afterAll(() => session?.close());

const chip = () => page.locator(byId('model-chip'));
const items = () => page.getByRole('menuitemradio');

describe('the model picker', () => {
  let other = '';

  it('opens from the keyboard on the model in use, listing both models with their families', async () => {
    const current = (await chip().textContent()) ?? '';
    expect([smol, onevision]).toContain(current);
    other = current === smol ? onevision : smol;
    await chip().focus();
    await page.keyboard.press('ArrowDown');
    const menu = page.getByRole('menu');
    await menu.waitFor();
    await menu.evaluate((el) => Promise.all(el.getAnimations().map((a) => a.finished)));
    expect(await chip().getAttribute('aria-expanded')).toBe('true');
    expect(await items().count()).toBe(2);
    const checked = page.getByRole('menuitemradio', { checked: true });
    expect(await checked.textContent()).toContain(current);
    // The focus starts on the model in use.
    expect(await checked.evaluate((el) => el === document.activeElement)).toBe(true);
    const texts = await items().allTextContents();
    expect(texts.find((t) => t.includes(smol))).toContain(FAMILY_NAMES.smolvlm);
    expect(texts.find((t) => t.includes(onevision))).toContain(FAMILY_NAMES.onevision);
    expect(await page.getByRole('menuitem', { name: 'Manage models…' }).count()).toBe(1);
    await screenshot(page, 'model-picker');
  });

  it('switches model with the arrows and Enter, and gives the focus back to the chip', async () => {
    // Two models: the other one is the next item or, wrapping, the previous.
    const target = page.getByRole('menuitemradio', { checked: false });
    while (!(await target.evaluate((el) => el === document.activeElement)))
      await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await page.getByRole('menu').waitFor({ state: 'detached' });
    expect(await chip().evaluate((el) => el === document.activeElement)).toBe(true);
    await expect.poll(() => chip().textContent()).toBe(other);
    await page.locator(`${byId('engine-status')}[data-state="ready"]`).waitFor({ timeout: 120_000 });
  });

  it('answers with the chosen model, and the stats line names it', async () => {
    await page.locator(byId('composer-input')).fill('Which model are you?');
    await page.keyboard.press('Enter');
    const answer = page.locator(`${byId('message-item')}[data-role="assistant"]`);
    await answer.waitFor({ timeout: 60_000 });
    await expect.poll(() => answer.getAttribute('data-status'), { timeout: 120_000 }).toBe('complete');
    const model = answer.locator(byId('message-model'));
    const family = other === smol ? FAMILY_NAMES.smolvlm : FAMILY_NAMES.onevision;
    expect(await model.textContent()).toMatch(
      new RegExp(`^${other.replace(/\./g, '\\.')} \\(${family}, \\w+\\)$`),
    );
  });
});
