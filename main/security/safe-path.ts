/**
 * URL path → file under a root folder, refusing anything that could leave it: `..` in any spelling
 * (percent-encoded dots or slashes), backslashes, drive letters, UNC paths, NUL bytes. Electron's own
 * protocol.handle example notes it does not check this; VS Code and Signal do, and so does this.
 * Pure path logic; the caller still checks the real path on disk (symbolic links), see `realPathInside`.
 */
import { realpath } from 'node:fs/promises';
import path from 'node:path';

export type Resolved = { path: string } | { error: 'not-found' | 'forbidden' };

/** `pathname` is the URL's path as received, still percent-encoded. '/' means index.html. */
export function resolveUnder(root: string, pathname: string, pathApi: typeof path = path): Resolved {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return { error: 'forbidden' }; // malformed escapes
  }
  if (decoded.includes('\0') || decoded.includes('\\') || decoded.startsWith('//'))
    return { error: 'forbidden' };
  const relative = decoded.replace(/^\/+/, '');
  // ':' covers drive letters (C:) and Windows alternate data streams (index.html::$DATA); bundle file
  // names never contain one.
  if (relative.includes(':') || relative.split('/').includes('..')) return { error: 'forbidden' };
  const file = pathApi.resolve(
    root,
    relative === '' || relative.endsWith('/') ? `${relative}index.html` : relative,
  );
  const inside = pathApi.relative(root, file);
  if (inside === '' || inside.startsWith('..') || pathApi.isAbsolute(inside)) return { error: 'forbidden' };
  return { path: file };
}

/** The file's real path if it exists and, symbolic links followed, is still under `root`; else null. */
export async function realPathInside(root: string, file: string): Promise<string | null> {
  try {
    const [realRoot, realFile] = await Promise.all([realpath(root), realpath(file)]);
    const inside = path.relative(realRoot, realFile);
    return inside === '' || inside.startsWith('..') || path.isAbsolute(inside) ? null : realFile;
  } catch {
    return null;
  }
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
};

export function contentType(file: string): string {
  return TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}
