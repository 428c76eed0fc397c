import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrate, MIGRATIONS } from './migrations.ts';
import { openStore } from './store.ts';
import { tempDir } from './testing/temp.ts';

function version(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

describe('migrations', () => {
  it('stamps a new database with the latest version', () => {
    const dir = tempDir();
    openStore(dir).close();
    const db = new Database(path.join(dir, 'tessera.db'));
    expect(version(db)).toBe(MIGRATIONS.length);
    db.close();
  });

  it('upgrades a version-1 database and indexes what it holds', () => {
    const dir = tempDir();
    const old = new Database(path.join(dir, 'tessera.db'));
    migrate(old, MIGRATIONS.slice(0, 1));
    expect(version(old)).toBe(1);
    expect(old.prepare(`SELECT count(*) FROM sqlite_master WHERE name = 'message_fts'`).pluck().get()).toBe(
      0,
    );
    old.exec(`
      INSERT INTO threads (id, title, created_at, updated_at) VALUES ('t1', 'Lighthouse', 1, 3);
      INSERT INTO messages (id, thread_id, parent_id, role, parts, status, created_at)
        VALUES ('m1', 't1', NULL, 'user', '[{"type":"text","text":"What is the tower?"}]', 'complete', 2),
               ('m2', 't1', 'm1', 'assistant', '[{"type":"text","text":"A "}]', 'streaming', 3);
      UPDATE messages SET tail = 'lighthouse.' WHERE id = 'm2';
      UPDATE threads SET current_leaf_id = 'm2' WHERE id = 't1';
      INSERT INTO settings (key, value) VALUES ('theme', '"dark"');
    `);
    old.close();

    const store = openStore(dir);
    expect(store.listThreads({ query: 'tower' })).toEqual([
      { id: 't1', title: 'Lighthouse', updatedAt: 3, snippet: 'What is the tower?' },
    ]);
    expect(store.listThreads({ query: 'lighthouse' }).map((t) => t.id)).toEqual(['t1']);
    expect(store.getSettings().theme).toBe('dark');
    expect(store.markInterrupted()).toBe(1);
    expect(store.getMessage('m2')?.parts).toEqual([{ type: 'text', text: 'A lighthouse.' }]);
    expect(store.listThreads({ query: 'lighthouse' })[0]?.snippet).toBe('A lighthouse.');
    store.close();

    const db = new Database(path.join(dir, 'tessera.db'));
    expect(version(db)).toBe(MIGRATIONS.length);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
  });

  it('rolls a failed upgrade back completely', () => {
    const db = new Database(':memory:');
    migrate(db, MIGRATIONS.slice(0, 1));
    const broken = [
      ...MIGRATIONS.slice(0, 1),
      { name: 'adds a table', up: (d: Database.Database) => d.exec('CREATE TABLE extra (x)') },
      { name: 'fails', up: (d: Database.Database) => d.exec('SELECT * FROM no_such_table') },
    ];
    expect(() => migrate(db, broken)).toThrow(/Migration 3 \(fails\) failed/);
    expect(version(db)).toBe(1);
    expect(db.prepare(`SELECT count(*) FROM sqlite_master WHERE name = 'extra'`).pluck().get()).toBe(0);
    db.close();
  });

  it('refuses a database from a newer version', () => {
    const dir = tempDir();
    const db = new Database(path.join(dir, 'tessera.db'));
    db.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    db.close();
    expect(() => openStore(dir)).toThrow(/newer than this app knows/);
  });
});
