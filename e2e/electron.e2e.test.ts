/**
 * The same app in Electron, where an Electron binary is present (a developer's machine after `npm start`
 * has fetched it). The build machines cannot download one; there the test is skipped and says why.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { _electron as electron } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { buildElectron } from '../scripts/build.ts';
import { testModelDir } from '../models/testing/test-models.ts';
import { screenshot } from './harness.ts';

const root = fileURLToPath(new URL('../', import.meta.url));

/** The binary the electron package would run, without triggering its lazy download. */
function electronBinary(): string | null {
  const pathFile = join(root, 'node_modules', 'electron', 'path.txt');
  if (!existsSync(pathFile)) return null;
  const binary = join(root, 'node_modules', 'electron', 'dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(binary) ? binary : null;
}

const binary = electronBinary();
if (!binary) {
  console.warn('e2e: no Electron binary in node_modules/electron/dist — the Electron run is skipped.');
}

describe.skipIf(!binary)('Tessera in Electron', () => {
  it('opens a sandboxed window whose renderer talks to the engine', async () => {
    await buildElectron();
    const model = await testModelDir();
    const app = await electron.launch({
      executablePath: binary as string,
      args: [join(root, 'dist', 'electron', 'main.js')],
      env: {
        ...process.env,
        TESSERA_MODEL_DIRS: model,
        // A fresh profile, so the run never touches a developer's history.
        TESSERA_DATA_DIR: mkdtempSync(join(tmpdir(), 'tessera-electron-')),
      },
    });
    try {
      const page = await app.firstWindow();
      await page.locator('[data-testid="engine-status"][data-state="ready"]').waitFor({ timeout: 120_000 });
      // No Node in the page; only the contract's bridge.
      expect(await page.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe(
        'undefined',
      );
      expect(
        await page.evaluate(() => Object.keys((window as unknown as { tessera: object }).tessera).sort()),
      ).toEqual(['on', 'request']);
      await page.locator('[data-testid="composer-input"]').fill('Hello from Electron');
      await page.keyboard.press('Enter');
      await page
        .locator('[data-testid="message-item"][data-role="assistant"]:not([data-status="streaming"])')
        .waitFor({ timeout: 120_000 });
      await screenshot(page, '10-electron');
    } finally {
      await app.close();
    }
  });
});
