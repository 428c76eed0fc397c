/**
 * The app:// protocol that serves the renderer bundle in Electron (instead of file://, which would give
 * the page every file on disk). Pure URL → path logic with the traversal checks; main.ts does the I/O.
 */
import path from 'node:path';
import { resolveUnder } from '../security/safe-path.ts';
import type { Resolved } from '../security/safe-path.ts';

export const APP_SCHEME = 'app';
export const APP_HOST = 'bundle';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY = `${APP_ORIGIN}/index.html`;

/** The file under `root` that an app://bundle/… URL names; query and fragment are ignored. */
export function resolveAppUrl(url: string, root: string, pathApi: typeof path = path): Resolved {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { error: 'forbidden' };
  }
  if (
    parsed.protocol !== `${APP_SCHEME}:` ||
    parsed.host !== APP_HOST ||
    parsed.username ||
    parsed.password
  ) {
    return { error: 'forbidden' };
  }
  // The URL parser has already removed dot segments; the path is checked again as received anyway.
  return resolveUnder(root, parsed.pathname, pathApi);
}
