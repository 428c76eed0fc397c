/**
 * First run, end to end: `tessera serve` with no model and a local hub (a real HTTP server with the Hub's
 * protocol) standing in for huggingface.co. The user downloads the default model from the chat view in one
 * click, chats with it, then uses the Models page: pauses and resumes a second download on a slow link,
 * and deletes it. Screenshots go to e2e-artifacts/.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MODEL_REPO } from '../app/catalog.ts';
import { LocalHub } from '../main/hub/local-hub.ts';
import { openStore } from '../main/store/store.ts';
import { testModelDir } from '../models/testing/test-models.ts';
import type { Host } from './harness.ts';
import { byId, launchBrowser, screenshot, startHost } from './harness.ts';

const SECOND_REPO = 'HuggingFaceTB/SmolVLM-500M-Instruct';
const SLOW_FILE = 'onnx/embed_tokens_q4.onnx';

let hub: LocalHub;
let host: Host;
let browser: Browser;
let page: Page;

const modelsDir = () => join(host.dataDir, 'models');
const answers = () => page.locator(`${byId('message-item')}[data-role="assistant"]`);

beforeAll(async () => {
  // The tiny generated SmolVLM in q4 (the default variant on CPU), under the default model's repo id.
  const q4 = await testModelDir({ dtype: 'q4' });
  hub = await LocalHub.start({ [DEFAULT_MODEL_REPO]: q4, [SECOND_REPO]: q4 });
  host = await startHost({ modelDirs: [], hubEndpoint: hub.url });
  const store = openStore(host.dataDir);
  store.updateSettings({ sampling: { maxTokens: 16 } });
  store.close();
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on('pageerror', (error) => {
    throw error;
  });
  await page.goto(host.url);
});

afterAll(async () => {
  await browser?.close();
  await host?.stop();
  await hub?.close();
});

describe('first run', () => {
  it('offers the default model in one click, shows the download inline, then chats with it', async () => {
    const offer = page.locator(byId('first-run-download'));
    await offer.waitFor();
    expect(await offer.textContent()).toMatch(/SmolVLM 256M/);
    await screenshot(page, 'first-run-offer');
    await offer.click();
    await page.locator(byId('first-run-progress')).waitFor();
    // Done: the engine loads the downloaded model on its own.
    await page.locator(`${byId('engine-status')}[data-state="ready"]`).waitFor({ timeout: 120_000 });
    expect(
      existsSync(join(modelsDir(), 'HuggingFaceTB--SmolVLM-256M-Instruct', '.tessera-manifest.json')),
    ).toBe(true);
    expect(hub.requests.some((r) => r.file === 'onnx/decoder_model_merged_q4.onnx' && r.status === 200)).toBe(
      true,
    );

    await page.locator(byId('composer-input')).fill('What is in the picture?');
    await page.keyboard.press('Enter');
    await expect.poll(() => answers().count(), { timeout: 60_000 }).toBe(1);
    await expect
      .poll(() => answers().first().getAttribute('data-status'), { timeout: 120_000 })
      .toBe('complete');
    expect(((await answers().first().textContent()) ?? '').length).toBeGreaterThan(0);
    await screenshot(page, 'first-run-answered');
  });
});

describe('models page', () => {
  it('lists the catalog, every family downloadable, and the installed model', async () => {
    await page.locator(byId('models-open')).click();
    await page.locator(byId('models-page')).waitFor();
    const qwen = page.locator(`${byId('catalog-entry')}[data-repo="onnx-community/Qwen2-VL-2B-Instruct"]`);
    await expect.poll(() => qwen.locator(byId('variant-download')).count()).toBeGreaterThan(0);
    expect(await page.locator(byId('catalog-unsupported')).count()).toBe(0);
    const installed = page.locator(byId('installed-model'));
    await expect.poll(() => installed.count()).toBe(1);
    expect(await installed.first().textContent()).toMatch(/SmolVLM-256M-Instruct/);
    await screenshot(page, 'models-page');
  });

  it('says the endpoint comes from --hub-endpoint, and does not offer to change it', async () => {
    const source = page.locator(byId('hub-endpoint-source'));
    await expect.poll(() => source.getAttribute('data-source')).toBe('flag');
    expect(await source.textContent()).toContain('--hub-endpoint');
    expect(await page.locator(byId('hub-endpoint')).isDisabled()).toBe(true);
    expect(await page.locator(byId('hub-endpoint-save')).isDisabled()).toBe(true);
  });

  it('pauses and resumes a download on a slow link, picking up where it stopped, then deletes the model', async () => {
    hub.inject({ kind: 'slow', path: SLOW_FILE, bytesPerSecond: 16 * 1024, times: Infinity });
    const entry = page.locator(`${byId('catalog-entry')}[data-repo="${SECOND_REPO}"]`);
    await entry.locator(`${byId('variant-download')}[data-variant="q4"]`).click();
    const row = page.locator(`${byId('download-row')}[data-repo="${SECOND_REPO}"]`);
    await row.waitFor();
    await expect.poll(() => hub.bytesServed(SLOW_FILE), { timeout: 30_000 }).toBeGreaterThan(16 * 1024);
    await screenshot(page, 'models-downloading');
    await row.locator(byId('download-pause')).click();
    await expect.poll(() => row.getAttribute('data-state')).toBe('paused');
    const partial = join(modelsDir(), 'HuggingFaceTB--SmolVLM-500M-Instruct', `${SLOW_FILE}.incomplete`);
    expect(existsSync(partial)).toBe(true);

    hub.clearFaults();
    const before = hub.requests.length;
    await row.locator(byId('download-resume')).click();
    await expect.poll(() => row.getAttribute('data-state'), { timeout: 60_000 }).toBe('done');
    // The resumed request asked only for the rest of the file.
    const resumed = hub.requests.slice(before).filter((r) => r.file === SLOW_FILE);
    expect(resumed.some((r) => r.range?.startsWith('bytes=') && r.status === 206)).toBe(true);

    const installed = page.locator(byId('installed-model'));
    await expect.poll(() => installed.count()).toBe(2);
    const second = installed.filter({ hasText: 'SmolVLM-500M-Instruct' });
    await second.locator(byId('model-delete')).click();
    await page.locator(byId('confirm-delete')).click();
    await expect.poll(() => installed.count()).toBe(1);
    expect(existsSync(join(modelsDir(), 'HuggingFaceTB--SmolVLM-500M-Instruct'))).toBe(false);
  });
});
