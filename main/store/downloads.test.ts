/** Downloads and local settings persist across reopening, and a version-2 database gains the table. */
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS, migrate } from './migrations.ts';
import { openStore } from './store.ts';
import { tempDir, tempStore } from './testing/temp.ts';
import type { StoredDownload } from './types.ts';

const job = (id: string, changes: Partial<StoredDownload> = {}): StoredDownload => ({
  id,
  repo: 'owner/model',
  revision: 'main',
  requestedVariant: null,
  variant: '',
  commit: null,
  state: 'queued',
  bytes: 0,
  total: 0,
  files: [],
  error: null,
  createdAt: 10,
  updatedAt: 10,
  modelId: null,
  ...changes,
});

describe('downloads table', () => {
  it('saves, updates, lists oldest first and deletes', () => {
    const { store, dir } = tempStore();
    store.saveDownload(job('b', { createdAt: 20 }));
    store.saveDownload(job('a'));
    const updated = job('b', {
      createdAt: 20,
      state: 'failed',
      variant: 'q4',
      requestedVariant: 'q4',
      commit: 'c'.repeat(40),
      bytes: 5,
      total: 9,
      files: [{ path: 'onnx/x.onnx', bytes: 5, total: 9, done: false }],
      error: { code: 'DISK_FULL', message: 'full' },
      modelId: null,
      updatedAt: 30,
    });
    store.saveDownload(updated);
    expect(store.listDownloads()).toEqual([job('a'), updated]);
    store.close();

    const reopened = openStore(dir);
    expect(reopened.listDownloads().map((d) => d.id)).toEqual(['a', 'b']);
    reopened.deleteDownload('a');
    reopened.deleteDownload('nothing');
    expect(reopened.listDownloads()).toEqual([updated]);
    reopened.close();
  });

  it('refuses a state the contract does not know', () => {
    const { store } = tempStore();
    expect(() => store.saveDownload(job('x', { state: 'lost' as never }))).toThrow(/CHECK constraint/);
  });
});

describe('local settings', () => {
  it('keeps the hub endpoint and model folders beside the settings, and clears the endpoint with null', () => {
    const { store, dir } = tempStore();
    expect(store.getLocalSettings()).toEqual({ hubEndpoint: null, modelFolders: [], remoteServers: [] });
    store.updateLocalSettings({ hubEndpoint: 'http://hub.local', modelFolders: ['/m/a'] });
    store.updateSettings({ theme: 'dark' });
    store.close();

    const reopened = openStore(dir);
    expect(reopened.getLocalSettings()).toEqual({
      hubEndpoint: 'http://hub.local',
      modelFolders: ['/m/a'],
      remoteServers: [],
    });
    expect(reopened.getSettings().theme).toBe('dark');
    expect(reopened.updateLocalSettings({ hubEndpoint: null })).toEqual({
      hubEndpoint: null,
      modelFolders: ['/m/a'],
      remoteServers: [],
    });
    reopened.close();
  });
});

describe('migration 3', () => {
  it('adds the downloads table to a version-2 database, keeping its data', () => {
    const dir = tempDir();
    const old = new Database(path.join(dir, 'tessera.db'));
    migrate(old, MIGRATIONS.slice(0, 2));
    old.exec(`INSERT INTO settings (key, value) VALUES ('theme', '"light"')`);
    old.close();

    const store = openStore(dir);
    expect(store.listDownloads()).toEqual([]);
    expect(store.getSettings().theme).toBe('light');
    store.saveDownload(job('a'));
    store.close();
    const db = new Database(path.join(dir, 'tessera.db'));
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    db.close();
  });
});
