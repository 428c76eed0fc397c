/** Temporary data folders for store tests, removed after each test. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';
import type { Store } from '../types.ts';
import { openStore, type StoreOptions } from '../store.ts';

const cleanups: (() => void)[] = [];

afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

export function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-store-'));
  cleanups.push(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A store in a fresh folder, closed after the test (closing twice is harmless). */
export function tempStore(options?: StoreOptions): { store: Store; dir: string } {
  const dir = tempDir();
  const store = openStore(dir, options);
  cleanups.push(() => store.close());
  return { store, dir };
}

/** A clock that moves 1 ms per reading, so orderings in tests never depend on timing. */
export function tickingClock(start = 1_700_000_000_000): () => number {
  let t = start;
  return () => t++;
}
