/**
 * Where the app's pages may go: nowhere. The UI is one page; links open in the user's browser, after a
 * confirmation, and only for http(s). Permission requests (camera, notifications, …) are all denied.
 */

/** Only web links leave the app: no file:, javascript:, custom schemes or URLs with credentials. */
export function shouldOpenExternally(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return (
    (parsed.protocol === 'https:' || parsed.protocol === 'http:') && !parsed.username && !parsed.password
  );
}

/** setWindowOpenHandler's answer: never a new window; a web link may go to the browser after a confirm. */
export function windowOpenDecision(url: string): { action: 'deny'; external: string | null } {
  return { action: 'deny', external: shouldOpenExternally(url) ? url : null };
}

/** session.setPermissionRequestHandler: every permission is refused. */
export function denyPermissionRequest(
  _webContents: unknown,
  _permission: string,
  callback: (granted: boolean) => void,
) {
  callback(false);
}

/** session.setPermissionCheckHandler: every check says no. */
export function denyPermissionCheck(): boolean {
  return false;
}
