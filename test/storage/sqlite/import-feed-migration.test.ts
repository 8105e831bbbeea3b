import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyMigrations, MIGRATIONS_DIR } from '../../../src/storage/sqlite/migrations.js';
import { openSqliteStorage } from '../../../src/storage/sqlite/sqlite-storage.js';
import type { FeatureRecord, Storage } from '../../../src/storage/storage.js';
import { temporaryDirectory } from '../../support/servers.js';

async function importedAt(storage: Storage, position: number): Promise<FeatureRecord[]> {
  const out: FeatureRecord[] = [];
  for await (const batch of storage.scanImport(position)) out.push(...batch);
  return out;
}

describe('SQLite import feed on a database from before migration 005', () => {
  let directory: ReturnType<typeof temporaryDirectory>;
  beforeEach(() => {
    directory = temporaryDirectory();
  });
  afterEach(() => directory.remove());

  it('gives the imports committed before the migration positions in id order, with their features', async () => {
    // The schema as migrations 001-004 left it, with two committed imports and the features of before.
    const older = join(directory.path, 'migrations');
    mkdirSync(older);
    for (const file of readdirSync(MIGRATIONS_DIR).filter((name) => name < '005')) copyFileSync(join(MIGRATIONS_DIR, file), join(older, file));
    const path = join(directory.path, 'old.db');
    const db = new Database(path);
    applyMigrations(db, older);
    const add = db.prepare('INSERT INTO imports (id, host, pid, started_at, heartbeat_at, committed_at) VALUES (?, ?, ?, ?, ?, ?)');
    add.run(1, 'h', 1, 1, 1, 2);
    add.run(2, 'h', 1, 3, 3, 4);
    const feature = db.prepare('INSERT INTO features (latitude, longitude, name, import_id) VALUES (?, ?, ?, ?)');
    feature.run(0, 0, 'from before imports were tracked', 0);
    feature.run(1, 1, 'first', 1);
    feature.run(2, 2, 'second', 2);
    db.close();

    const storage = openSqliteStorage({ path });
    try {
      expect(await storage.importsAfter(0, 10)).toEqual([{ position: 1 }, { position: 2 }]);
      expect(await storage.lastImportPosition()).toBe(2);
      expect(await importedAt(storage, 1)).toEqual([{ latitude: 1, longitude: 1, name: 'first' }]);
      expect(await importedAt(storage, 2)).toEqual([{ latitude: 2, longitude: 2, name: 'second' }]);
      // The next import commits after them.
      await storage.insertFeatures([{ latitude: 3, longitude: 3, name: 'third' }]);
      expect(await storage.importsAfter(2, 10)).toEqual([{ position: 3 }]);
    } finally {
      await storage.close();
    }
  });
});
