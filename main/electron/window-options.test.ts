/** The window's webPreferences, pinned: each line is an item of Electron's security checklist. */
import { describe, expect, it } from 'vitest';
import { mainWindowOptions, secureWebPreferences } from './window-options.ts';

describe('window options', () => {
  it('isolates and sandboxes the renderer, with no Node and no experimental features', () => {
    const prefs = secureWebPreferences('/app/preload.cjs');
    expect(prefs).toMatchObject({
      preload: '/app/preload.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
    });
    expect(prefs).not.toHaveProperty('enableBlinkFeatures');
    expect(prefs).not.toHaveProperty('additionalArguments');
  });

  it('uses those preferences for the main window, hidden until painted', () => {
    const options = mainWindowOptions({ preloadPath: '/p.cjs' });
    expect(options.webPreferences).toEqual(secureWebPreferences('/p.cjs'));
    expect(options.show).toBe(false);
    expect(options.title).toBe('Tessera');
    expect(mainWindowOptions({ preloadPath: '/p.cjs', dark: true }).backgroundColor).not.toBe(
      options.backgroundColor,
    );
  });
});
