import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStorage, parseStorageUrl, StorageUrlError } from '../../src/storage/open-storage.js';
import { StorageOpenError } from '../../src/storage/errors.js';
import { temporaryDirectory } from '../support/servers.js';

describe('storage URLs', () => {
  let directory: ReturnType<typeof temporaryDirectory>;
  beforeEach(() => {
    directory = temporaryDirectory();
  });
  afterEach(() => directory.remove());

  it('parses memory: and sqlite: paths relative to the working directory or absolute', () => {
    expect(parseStorageUrl('memory:')).toEqual({ scheme: 'memory' });
    expect(parseStorageUrl('sqlite:./data/rg.db', '/srv')).toEqual({ scheme: 'sqlite', path: '/srv/data/rg.db' });
    expect(parseStorageUrl('sqlite:/var/lib/rg.db', '/srv')).toEqual({ scheme: 'sqlite', path: '/var/lib/rg.db' });
  });

  it('rejects an unknown scheme with a message listing the supported ones', () => {
    expect(() => parseStorageUrl('mysql://db/rg')).toThrow(StorageUrlError);
    expect(() => parseStorageUrl('mysql://db/rg')).toThrow(
      /unknown scheme; supported: memory:, sqlite:<path>, postgres:\/\/USER:PASSWORD@HOST:PORT\/DATABASE$/,
    );
    expect(() => parseStorageUrl('rg.db')).toThrow(/unknown scheme/);
  });

  it('rejects sqlite: without a path', () => {
    expect(() => parseStorageUrl('sqlite:')).toThrow(/needs a file path/);
  });

  it('rejects a path whose directory does not exist, unless asked to create it', async () => {
    const url = `sqlite:${join(directory.path, 'missing', 'rg.db')}`;
    await expect(openStorage(url)).rejects.toThrow(/directory .*missing does not exist/);
    const storage = await openStorage(url, { createDirectory: true });
    expect(await storage.countFeatures()).toBe(0);
    await storage.close();
  });

  it('reports a file that is not a SQLite database clearly', async () => {
    const path = join(directory.path, 'not.db');
    writeFileSync(path, 'this is not a database, just some text that is long enough to have a header'.repeat(20));
    await expect(openStorage(`sqlite:${path}`)).rejects.toThrow(StorageOpenError);
    await expect(openStorage(`sqlite:${path}`)).rejects.toThrow(/cannot open SQLite database .*not\.db: file is not a database/);
  });

  it('applies each migration once and records it, using a WAL journal', async () => {
    const path = join(directory.path, 'rg.db');
    const ran: string[][] = [];
    const first = await openStorage(`sqlite:${path}`, { onMigrated: (names) => ran.push(names) });
    await first.close();
    const second = await openStorage(`sqlite:${path}`, { onMigrated: (names) => ran.push(names) });
    await second.close();
    expect(ran[0]).toContain('001_features_and_notes.sql');
    expect(ran[1]).toEqual([]);
    const db = new Database(path, { readonly: true });
    expect(db.prepare('SELECT name FROM schema_migrations').pluck().all()).toContain('001_features_and_notes.sql');
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });
});
