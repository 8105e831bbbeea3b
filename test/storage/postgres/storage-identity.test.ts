import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { openStorage } from '../../../src/storage/open-storage.js';
import { applyMigrations, MIGRATIONS_DIR } from '../../../src/storage/postgres/migrations.js';
import type { Storage } from '../../../src/storage/storage.js';
import { createTestDatabase, HAVE_POSTGRES } from '../../support/postgres.js';
import { temporaryDirectory } from '../../support/servers.js';

describe.skipIf(!HAVE_POSTGRES)('PostgreSQL storage identity (migration 002)', () => {
  const opened: Storage[] = [];
  const directory = temporaryDirectory();
  afterAll(() => directory.remove());
  afterEach(async () => {
    for (const storage of opened.splice(0)) await storage.close();
  });

  it('gives a database from before it an identity, and each import committed before it a token of its own', async () => {
    // The schema as migration 001 left it, with two committed imports.
    const older = join(directory.path, 'migrations');
    mkdirSync(older);
    for (const file of readdirSync(MIGRATIONS_DIR).filter((name) => name < '002')) copyFileSync(join(MIGRATIONS_DIR, file), join(older, file));
    const url = await createTestDatabase('identity_migration');
    const pool = new pg.Pool({ connectionString: url });
    try {
      await applyMigrations(pool, older);
      await pool.query('INSERT INTO imports (position, inserted, duplicates) VALUES (1, 0, 0), (2, 0, 0)');
      await pool.query("UPDATE feed_positions SET last_position = 2 WHERE feed = 'imports'");
    } finally {
      await pool.end();
    }

    const storage = await openStorage(url, { onMigrated: (names) => expect(names).toEqual(['002_storage_identity.sql']) });
    opened.push(storage);
    expect(await storage.identity()).toMatch(/^[0-9a-f]{32}$/);
    const tokens = [await storage.importToken(1), await storage.importToken(2)];
    expect(tokens[0]).toMatch(/^[0-9a-f]{32}$/);
    expect(tokens[1]).toMatch(/^[0-9a-f]{32}$/);
    expect(tokens[0]).not.toBe(tokens[1]);
    // The next import gets one of its own.
    await storage.insertFeatures([{ latitude: 1, longitude: 1, name: 'after' }]);
    expect(await storage.lastImportPosition()).toBe(3);
    expect(await storage.importToken(3)).toMatch(/^[0-9a-f]{32}$/);
    expect(new Set([...tokens, await storage.importToken(3)]).size).toBe(3);
  }, 20_000);
});
