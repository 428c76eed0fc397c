/**
 * blob: URLs for images. Stored images come from `images.get` as bytes (the CSP allows no file: or custom
 * scheme URLs); each is fetched once per session and kept in a bounded cache. A pasted file's local URL is
 * handed over to the cache once the image is stored, so a just-sent image never loads twice.
 */
import type { Api } from '../../app/ipc/contract.ts';

export interface ObjectUrls {
  create(blob: Blob): string;
  revoke(url: string): void;
}

export const browserObjectUrls: ObjectUrls = {
  create: (blob) => URL.createObjectURL(blob),
  revoke: (url) => URL.revokeObjectURL(url),
};

export interface ImageUrls {
  /** A URL for a stored image, or null when it cannot be loaded. */
  load(sha256: string, mime: string): Promise<string | null>;
  peek(sha256: string): string | undefined;
  /** Takes ownership of a local preview URL for an image now stored under `sha256`. */
  adopt(sha256: string, url: string): void;
  /** A preview URL for a local file (before it is stored); `release` it unless it is adopted. */
  fromFile(file: Blob): string;
  release(url: string): void;
}

export function createImageUrls(
  api: Api,
  objectUrls: ObjectUrls = browserObjectUrls,
  limit = 400,
): ImageUrls {
  const cache = new Map<string, string>();
  const loading = new Map<string, Promise<string | null>>();

  function remember(sha256: string, url: string): void {
    const old = cache.get(sha256);
    if (old !== undefined && old !== url) objectUrls.revoke(old);
    cache.delete(sha256);
    cache.set(sha256, url);
    // Oldest first in insertion order; the browser keeps already-decoded <img>s after a revoke.
    while (cache.size > limit) {
      const [oldestKey, oldestUrl] = cache.entries().next().value as [string, string];
      cache.delete(oldestKey);
      objectUrls.revoke(oldestUrl);
    }
  }

  return {
    load(sha256, mime) {
      const hit = cache.get(sha256);
      if (hit !== undefined) return Promise.resolve(hit);
      const inFlight = loading.get(sha256);
      if (inFlight) return inFlight;
      const promise = api['images.get']({ sha256 }).then((result) => {
        loading.delete(sha256);
        if (!result.ok) return null;
        const url = objectUrls.create(new Blob([result.value as Uint8Array<ArrayBuffer>], { type: mime }));
        remember(sha256, url);
        return url;
      });
      loading.set(sha256, promise);
      return promise;
    },
    peek: (sha256) => cache.get(sha256),
    adopt: remember,
    fromFile: (file) => objectUrls.create(file),
    release: (url) => objectUrls.revoke(url),
  };
}
