/**
 * app://bundle/… → file, as a table in the style of Signal's protocol filter tests: every spelling of a
 * way out of the bundle is refused, under POSIX and Windows path rules alike.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveAppUrl } from './protocol.ts';

const roots = { posix: '/opt/tessera/renderer', win32: 'C:\\Program Files\\Tessera\\renderer' } as const;

describe('resolveAppUrl', () => {
  for (const [os, root] of Object.entries(roots) as Array<[keyof typeof roots, string]>) {
    const api = path[os];
    const file = (...parts: string[]) => ({ path: api.join(root, ...parts) });

    it(`maps bundle URLs to files under the root (${os})`, () => {
      const cases: Array<[string, unknown]> = [
        ['app://bundle/', file('index.html')],
        ['app://bundle/index.html', file('index.html')],
        ['app://bundle/assets/app-1234.js', file('assets', 'app-1234.js')],
        ['app://bundle/assets/app.js?v=2#top', file('assets', 'app.js')],
        ['app://bundle/assets/My%20Font.woff2', file('assets', 'My Font.woff2')],
        ['app://bundle/assets/', file('assets', 'index.html')],
        // The URL parser removes these dot segments before we see the path: they end up inside the root.
        ['app://bundle/assets/../index.html', file('index.html')],
        ['app://bundle/%2e%2e/index.html', file('index.html')],
        ['app://bundle/./index.html', file('index.html')],
      ];
      for (const [url, expected] of cases) expect(resolveAppUrl(url, root, api), url).toEqual(expected);
    });

    it(`refuses every way out of the bundle (${os})`, () => {
      const forbidden = [
        'app://bundle/..%2f..%2fsecret.txt',
        'app://bundle/assets%2f..%2f..%2fsecret.txt',
        'app://bundle/%2e%2e%2fsecret.txt',
        'app://bundle/%2E%2E%2Fsecret.txt',
        'app://bundle/..%5c..%5csecret.txt',
        'app://bundle/assets\\..\\..\\secret.txt',
        'app://bundle/%5c%5cserver%5cshare%5cfile',
        'app://bundle//server/share/file',
        'app://bundle/C:/Windows/win.ini',
        'app://bundle/c%3a%5cwindows%5cwin.ini',
        'app://bundle/index.html::$DATA',
        'app://bundle/index.html%00.png',
        'app://bundle/%00',
        'app://bundle/%E0%A4%A',
        'app://other/index.html',
        'app://user:pass@bundle/index.html',
        'file:///etc/passwd',
        'https://bundle/index.html',
        'app:index.html',
        'not a url',
      ];
      for (const url of forbidden) expect(resolveAppUrl(url, root, api), url).toEqual({ error: 'forbidden' });
    });
  }

  it('never yields a path outside the root, whatever the input', () => {
    const root = roots.posix;
    const pieces = ['..', '%2e%2e', '%2e.', '.%2e', '%2f', '%5c', '\\', '/', 'a', '%00', ':', '%3a', '.'];
    for (const a of pieces) {
      for (const b of pieces) {
        for (const c of pieces) {
          const result = resolveAppUrl(`app://bundle/${a}${b}${c}secret`, root, path.posix);
          if ('path' in result) expect(result.path.startsWith(`${root}/`), `${a}${b}${c}`).toBe(true);
        }
      }
    }
  });
});
