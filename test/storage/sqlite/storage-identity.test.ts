import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyMigrations, MIGRATIONS_DIR } from '../../../src/storage/sqlite/migrations.js';
import { openSqliteStorage } from '../../../src/storage/sqlite/sqlite-storage.js';
import type { Storage } from '../../../src/storage/storage.js';
import { temporaryDirectory } from '../../support/servers.js';

describe('SQLite storage identity (migration 006)', () => {
  let directory: ReturnType<typeof temporaryDirectory>;
  const opened: Storage[] = [];
  const open = (path: string): Storage => {
    const storage = openSqliteStorage({ path });
    opened.push(storage);
    return storage;
  };
  beforeEach(() => {
    directory = temporaryDirectory();
  });
  afterEach(async () => {
    for (const storage of opened.splice(0)) await storage.close();
    directory.remove();
  });

  it('gives a database from before it an identity, and each import committed before it a token of its own', async () => {
    // The schema as migrations 001-005 left it: two committed imports, and a feature from before imports were tracked.
    const older = join(directory.path, 'migrations');
    mkdirSync(older);
    for (const file of readdirSync(MIGRATIONS_DIR).filter((name) => name < '006')) copyFileSync(join(MIGRATIONS_DIR, file), join(older, file));
    const path = join(directory.path, 'old.db');
    const db = new Database(path);
    applyMigrations(db, older);
    const add = db.prepare('INSERT INTO imports (id, host, pid, started_at, heartbeat_at, committed_at, commit_position) VALUES (?, ?, ?, ?, ?, ?, ?)');
    add.run(1, 'h', 1, 1, 1, 2, 1);
    add.run(2, 'h', 1, 3, 3, 4, 2);
    db.prepare('INSERT INTO features (latitude, longitude, name, import_id) VALUES (0, 0, ?, 0)').run('from before imports were tracked');
    db.close();

    const storage = open(path);
    expect(await storage.identity()).toMatch(/^[0-9a-f]{32}$/);
    const tokens = [await storage.importToken(1), await storage.importToken(2)];
    expect(tokens[0]).toMatch(/^[0-9a-f]{32}$/);
    expect(tokens[1]).toMatch(/^[0-9a-f]{32}$/);
    expect(tokens[0]).not.toBe(tokens[1]);
    // A feature of before imports were tracked is a feature all the same.
    expect(await storage.hasFeatures()).toBe(true);
  });

  it('tells a copy of the database file from the original once they take different imports', async () => {
    const path = join(directory.path, 'original.db');
    const original = open(path);
    await original.insertFeatures([{ latitude: 1, longitude: 1, name: 'before the copy' }]);
    const copied = await original.lastImportPosition();
    const before = { identity: await original.identity(), token: await original.importToken(copied) };
    await original.close();
    copyFileSync(path, join(directory.path, 'copy.db'));

    const [left, right] = [open(path), open(join(directory.path, 'copy.db'))];
    // The copy is the same state: nothing tells them apart yet.
    expect({ identity: await right.identity(), token: await right.importToken(copied) }).toEqual(before);
    await left.insertFeatures([{ latitude: 2, longitude: 2, name: 'only in the original' }]);
    await right.insertFeatures([{ latitude: 3, longitude: 3, name: 'only in the copy' }]);
    const diverged = await left.lastImportPosition();
    expect(await right.lastImportPosition()).toBe(diverged);
    expect(await right.identity()).toBe(before.identity);
    expect(await right.importToken(diverged)).not.toBe(await left.importToken(diverged));
  });
});
