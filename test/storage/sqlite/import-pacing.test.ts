import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ImportPacing } from '../../../src/storage/sqlite/import-pacing.js';
import { temporaryDirectory } from '../../support/servers.js';

let directory: ReturnType<typeof temporaryDirectory>;
let importer: Database.Database;
let other: Database.Database;
beforeEach(() => {
  directory = temporaryDirectory('routeguide-import-pacing-');
  const path = join(directory.path, 'paced.db');
  importer = new Database(path);
  importer.pragma('journal_mode = WAL');
  importer.exec('CREATE TABLE t (x)');
  other = new Database(path);
});
afterEach(() => {
  importer.close();
  other.close();
  directory.remove();
});

describe('ImportPacing', () => {
  it('sees other writers by their commits, not by its own commits or checkpoints', () => {
    const pacing = new ImportPacing(importer);
    expect(pacing.othersWriting()).toBe(false);
    importer.exec('INSERT INTO t VALUES (1)');
    importer.pragma('wal_checkpoint(PASSIVE)');
    other.prepare('SELECT count(*) FROM t').get();
    expect(pacing.othersWriting()).toBe(false);
    other.exec('INSERT INTO t VALUES (2)');
    expect(pacing.othersWriting()).toBe(true);
    // And goes on counting them as writing for a while after their last commit.
    expect(pacing.othersWriting()).toBe(true);
  });
});
