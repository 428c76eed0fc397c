/**
 * BrowserWindow options, in one place and as plain data so a test can pin them (electronegativity's
 * checks as unit tests). Most values are Electron's defaults already; they are spelled out so that a
 * default changing, or someone "temporarily" flipping one, shows up in review and fails the test.
 */
import type { BrowserWindowConstructorOptions, WebPreferences } from 'electron';

export function secureWebPreferences(preloadPath: string): WebPreferences {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    enableWebSQL: false,
    // Dropping a file on the window must attach it (the renderer handles the drop), never open it.
    navigateOnDragDrop: false,
    safeDialogs: true,
    spellcheck: false,
  };
}

export function mainWindowOptions(options: {
  preloadPath: string;
  dark?: boolean;
}): BrowserWindowConstructorOptions {
  return {
    title: 'Tessera',
    width: 1280,
    height: 840,
    minWidth: 720,
    minHeight: 480,
    // Shown on 'ready-to-show', so the window never flashes white before the UI paints.
    show: false,
    backgroundColor: options.dark ? '#1e1e1e' : '#ffffff',
    webPreferences: secureWebPreferences(options.preloadPath),
  };
}
