import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, mkdirSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { beforeEach, describe, expect, it } from 'vitest';
import { ImportAbandonedError } from '../../../src/storage/errors.js';
import { removeAbandonedImports } from '../../../src/storage/sqlite/import-ledger.js';
import type { AbandonedImport } from '../../../src/storage/sqlite/options.js';
import { applyMigrations, MIGRATIONS_DIR } from '../../../src/storage/sqlite/migrations.js';
import type { Storage, FeatureRecord } from '../../../src/storage/storage.js';
import { BIN, ensureBuilt } from '../../support/build.js';
import { captureLog } from '../../support/captured-log.js';
import { collect, startTestServer } from '../../support/servers.js';
import { useSqliteFile } from '../../support/sqlite-file.js';
import { deadPid, leaveUnfinishedImport } from '../../support/unfinished-import.js';
import { eventually } from '../../support/wait.js';

const database = useSqliteFile('routeguide-batched-import-', 'shared.db');
const open = database.open;

function features(count: number, from = 0): FeatureRecord[] {
  return Array.from({ length: count }, (_, i) => ({ name: `f${from + i}`, latitude: from + i, longitude: 0 - (from + i) }));
}

/** What the database holds outside the visibility rules: every feature row and every ledger row. */
function rawState(): { rows: number; taggedRows: number; imports: { id: number; committed: boolean }[] } {
  const db = new Database(database.path, { readonly: true });
  try {
    return {
      rows: db.prepare('SELECT count(*) FROM features').pluck().get() as number,
      taggedRows: db.prepare('SELECT count(*) FROM features WHERE import_id IN (SELECT id FROM imports WHERE committed_at IS NULL)').pluck().get() as number,
      imports: (db.prepare('SELECT id, committed_at FROM imports ORDER BY id').all() as { id: number; committed_at: number | null }[]).map(
        (row) => ({ id: row.id, committed: row.committed_at !== null }),
      ),
    };
  } finally {
    db.close();
  }
}

describe('SQLite imports commit in batches, still all or nothing', () => {
  it('frees the write lock between batches and keeps the rows invisible until the import commits', async () => {
    const server = await open({ busyTimeoutMs: 0 }); // A held write lock would fail its writes at once.
    await server.insertFeatures([{ name: 'before', latitude: -5, longitude: -5 }]);
    const seenBetweenBatches: number[] = [];
    const progress: [number, number][] = [];
    const importer = await open({
      importBatchRows: 1000,
      onImportBatch: async (copied, total) => {
        progress.push([copied, total]);
        await server.addNotes([{ latitude: 1, longitude: 1, message: `between batches at ${copied}` }]);
        seenBetweenBatches.push(await server.countFeatures());
        seenBetweenBatches.push((await collect(server.scanFeatures())).flat().length);
      },
    });
    const input = [...features(9_500), ...features(10)]; // The last 10 repeat points already in the input.
    expect(await importer.insertFeatures(input)).toEqual({ inserted: 9_500, duplicates: 10 });
    expect(progress).toHaveLength(10);
    expect(progress[0]).toEqual([1000, 9_510]);
    expect(progress.at(-1)).toEqual([9_510, 9_510]);
    expect(await server.notesAt(1, 1, 100)).toHaveLength(10);
    expect(new Set(seenBetweenBatches)).toEqual(new Set([1]));
    expect(await server.countFeatures()).toBe(9_501);
    // The first of the repeated points is the one kept.
    expect((await collect(server.scanFeatures())).flat().find((f) => f.latitude === 3)?.name).toBe('f3');
  });

  it('has no features (hasFeatures) while the only rows are those of an import not committed yet', async () => {
    const server = await open();
    const seenBetweenBatches: boolean[] = [];
    const importer = await open({
      importBatchRows: 1000,
      onImportBatch: async () => {
        seenBetweenBatches.push(await server.hasFeatures());
      },
    });
    await importer.insertFeatures(features(3_000));
    expect(seenBetweenBatches).toEqual([false, false, false]);
    expect(await server.hasFeatures()).toBe(true);
  });

  it('checkpoints after each batch, so the WAL stays about one batch long however long the import', async () => {
    const walSizes: number[] = [];
    const importer = await open({
      importBatchRows: 2000,
      onImportBatch: () => {
        walSizes.push(statSync(`${database.path}-wal`).size);
      },
    });
    const input = features(40_000).map((feature) => ({ ...feature, name: `${feature.name} ${'x'.repeat(60)}` }));
    expect(await importer.insertFeatures(input)).toEqual({ inserted: 40_000, duplicates: 0 });
    expect(walSizes).toHaveLength(20);
    // The import writes about 4 MB of pages: left unchecked, the WAL would grow to hold all of them.
    const databaseBytes = statSync(database.path).size;
    expect(databaseBytes).toBeGreaterThan(3_000_000);
    expect(Math.max(...walSizes)).toBeLessThan(databaseBytes / 5);
  });

  it('deletes the rows it already copied when it fails part-way through, and a later import proceeds', async () => {
    const server = await open();
    await server.insertFeatures([{ name: 'before', latitude: -5, longitude: -5 }]);
    const importer = await open({
      importBatchRows: 1000,
      onImportBatch: (copied) => {
        if (copied === 3000) throw new Error('disk on fire at 3000');
      },
    });
    await expect(importer.insertFeatures(features(10_000))).rejects.toThrow('disk on fire at 3000');
    expect(await server.countFeatures()).toBe(1);
    expect(rawState()).toEqual({ rows: 1, taggedRows: 0, imports: [{ id: 1, committed: true }] });
    expect(await server.insertFeatures(features(5))).toEqual({ inserted: 5, duplicates: 0 });
    expect(await server.countFeatures()).toBe(6);
  });

  it('stops, and deletes its rows, when another process removed it as abandoned', async () => {
    const server = await open();
    const importer = await open({
      importBatchRows: 1000,
      onImportBatch: (copied) => {
        // What a process on another host does when this import's heartbeat looks stale.
        if (copied === 2000) {
          const db = new Database(database.path);
          db.prepare('DELETE FROM imports WHERE committed_at IS NULL').run();
          db.close();
        }
      },
    });
    await expect(importer.insertFeatures(features(5_000))).rejects.toThrow(
      /import 1 was removed as abandoned by another process \(it saw no heartbeat for 60 s\); nothing was imported/,
    );
    expect(await server.countFeatures()).toBe(0);
    expect(rawState()).toEqual({ rows: 0, taggedRows: 0, imports: [] });
  });

  it('refuses a second import while one is in progress, naming it', async () => {
    const first = await open();
    const second = await open();
    let reachedMiddle!: () => void;
    const middle = new Promise<void>((resolve) => (reachedMiddle = resolve));
    let carryOn!: () => void;
    const resume = new Promise<void>((resolve) => (carryOn = resolve));
    async function* slowInput(): AsyncGenerator<FeatureRecord> {
      yield* features(10);
      reachedMiddle();
      await resume;
      yield* features(10, 10);
    }
    const importing = first.insertFeatures(slowInput());
    await middle;
    await expect(second.insertFeatures(features(3, 100))).rejects.toThrow(
      new RegExp(`another import \\(id 1, pid ${process.pid} on ${hostname()}, started .*\\) is writing to this database`),
    );
    carryOn();
    expect(await importing).toEqual({ inserted: 20, duplicates: 0 });
    expect(await second.insertFeatures(features(3, 100))).toEqual({ inserted: 3, duplicates: 0 });
  });

  it('gives a scan one view: an import committing during the scan is not seen half-way', async () => {
    const server = await open();
    await server.insertFeatures(features(100));
    const scan = server.scanFeatures(10)[Symbol.asyncIterator]();
    const firstBatch = await scan.next();
    expect(firstBatch.value).toHaveLength(10);
    await (await open()).insertFeatures(features(100, 100)); // Sorts after everything the scan has read.
    let rest = 0;
    for (let batch = await scan.next(); !batch.done; batch = await scan.next()) rest += batch.value.length;
    expect(10 + rest).toBe(100);
    expect(await server.countFeatures()).toBe(200);
  });

  it('deletes, at the next open, the rows of an import whose process died, and reports it', async () => {
    const storage = await open();
    await storage.insertFeatures(features(50));
    await storage.close();
    // Leave what a killed importer leaves: a pending ledger row and tagged rows between committed ones.
    const pid = deadPid();
    leaveUnfinishedImport(database.path, { id: 7, pid, points: Array.from({ length: 2_500 }, (_, i) => [i, 1] as const) });
    const removed: AbandonedImport[] = [];
    const reopened = await open({ importBatchRows: 100, onAbandonedImport: (import_) => removed.push(import_) });
    expect(removed).toEqual([{ id: 7, host: hostname(), pid, startedAt: expect.any(Number), removedFeatures: 2_500 }]);
    expect(rawState()).toEqual({ rows: 50, taggedRows: 0, imports: [{ id: 1, committed: true }] });
    expect((await collect(reopened.scanFeatures())).flat()).toEqual(features(50).sort((a, b) => a.latitude - b.latitude));
  });

  it('treats an import with no heartbeat for a minute as abandoned, whatever host it names', async () => {
    await open();
    const longAgo = Date.now() - 61_000;
    leaveUnfinishedImport(database.path, { host: 'another-host', pid: process.pid, startedAt: longAgo, heartbeatAt: longAgo, points: [[1, 1]] });
    const removed: AbandonedImport[] = [];
    await open({ onAbandonedImport: (import_) => removed.push(import_) });
    expect(removed.map((import_) => [import_.host, import_.removedFeatures])).toEqual([['another-host', 1]]);
  });

  it('treats an import that names this process but is not running here as abandoned (a reused pid, as in containers)', async () => {
    await open();
    leaveUnfinishedImport(database.path, { pid: process.pid, points: [[1, 1]] });
    const storage = await open();
    expect(await storage.insertFeatures(features(3))).toEqual({ inserted: 3, duplicates: 0 });
    expect(rawState()).toEqual({ rows: 3, taggedRows: 0, imports: [{ id: 2, committed: true }] });
  });

  it('keeps a live import on another host that still beats', async () => {
    await open();
    leaveUnfinishedImport(database.path, { host: 'another-host', pid: 1 });
    const removed: AbandonedImport[] = [];
    const storage = await open({ onAbandonedImport: (import_) => removed.push(import_) });
    expect(removed).toEqual([]);
    await expect(storage.insertFeatures(features(1))).rejects.toThrow(/another import \(id 1, pid 1 on another-host/);
  });

  it('keeps features stored before imports were tracked (a database from before migration 003)', async () => {
    const oldMigrations = join(database.directory, 'old-migrations');
    mkdirSync(oldMigrations);
    for (const file of ['001_features_and_notes.sql', '002_notes_by_created_at.sql']) {
      copyFileSync(join(MIGRATIONS_DIR, file), join(oldMigrations, file));
    }
    const db = new Database(database.path);
    applyMigrations(db, oldMigrations);
    db.prepare("INSERT INTO features (latitude, longitude, name) VALUES (1, 2, 'old')").run();
    db.close();
    const storage = await open();
    expect((await collect(storage.scanFeatures())).flat()).toEqual([{ name: 'old', latitude: 1, longitude: 2 }]);
    expect(await storage.insertFeatures([{ name: 'new', latitude: 1, longitude: 2 }])).toEqual({ inserted: 0, duplicates: 1 });
  });
});

describe('an import removed as abandoned while it stalls', () => {
  /** An importer (batches of 1000) that pauses after the batch bringing it to `stallAt` rows, until resumed. */
  async function stallingImporter(
    stallAt: number,
  ): Promise<{ importer: Storage; copied: number[]; stalled: Promise<void>; resume: () => void }> {
    const copied: number[] = [];
    let reached!: () => void;
    const stalled = new Promise<void>((resolve) => (reached = resolve));
    let resume!: () => void;
    const resumed = new Promise<void>((resolve) => (resume = resolve));
    const importer = await open({
      importBatchRows: 1000,
      onImportBatch: async (rows) => {
        copied.push(rows);
        if (rows !== stallAt) return;
        reached();
        await resumed;
      },
    });
    return { importer, copied, stalled, resume };
  }

  /**
   * What another process does when the stalled import's heartbeat looks a minute old: it removes
   * the import on its own connection. `interruptedAt` stops that removal where a crash could stop it.
   */
  function removeAsAbandoned(interruptedAt?: 'after deleting 1000 features' | 'before deleting the ledger row'): void {
    const db = new Database(database.path);
    try {
      db.prepare('UPDATE imports SET heartbeat_at = heartbeat_at - 120000 WHERE committed_at IS NULL').run();
      if (interruptedAt === 'after deleting 1000 features') {
        db.exec(`CREATE TEMP TABLE deleted (n INTEGER NOT NULL);
          INSERT INTO temp.deleted VALUES (0);
          CREATE TEMP TRIGGER stop_half_way BEFORE DELETE ON main.features BEGIN
            SELECT RAISE(ABORT, 'removal interrupted') WHERE (SELECT n FROM temp.deleted) >= 1000;
            UPDATE temp.deleted SET n = n + 1;
          END`);
      } else if (interruptedAt === 'before deleting the ledger row') {
        db.exec(`CREATE TEMP TRIGGER stop_before_row BEFORE DELETE ON main.imports BEGIN
            SELECT RAISE(ABORT, 'removal interrupted');
          END`);
      }
      if (interruptedAt === undefined) expect(removeAbandonedImports(db, 1000)).toEqual([expect.objectContaining({ id: 2 })]);
      else expect(() => removeAbandonedImports(db, 1000)).toThrow('removal interrupted');
    } finally {
      db.close();
    }
  }

  const before = features(5, 10_000);
  let server: Storage;
  beforeEach(async () => {
    server = await open();
    await server.insertFeatures(before);
  });

  async function expectOnlyTheFeaturesFromBefore(): Promise<void> {
    expect(await server.countFeatures()).toBe(5);
    expect((await collect(server.scanFeatures())).flat()).toEqual(before);
  }

  it('fails when it resumes, copying no further batch and leaving nothing behind', async () => {
    const { importer, copied, stalled, resume } = await stallingImporter(2000);
    const importing = importer.insertFeatures(features(5000));
    await stalled;
    removeAsAbandoned();
    resume();
    await expect(importing).rejects.toBeInstanceOf(ImportAbandonedError);
    expect(copied).toEqual([1000, 2000]);
    expect(rawState()).toEqual({ rows: 5, taggedRows: 0, imports: [{ id: 1, committed: true }] });
    await expectOnlyTheFeaturesFromBefore();
  });

  it('copies no further batch when the removal stopped half-way through its features', async () => {
    const { importer, copied, stalled, resume } = await stallingImporter(2000);
    const importing = importer.insertFeatures(features(5000));
    await stalled;
    removeAsAbandoned('after deleting 1000 features');
    expect(rawState().taggedRows).toBe(1000);
    await expectOnlyTheFeaturesFromBefore();
    resume();
    await expect(importing).rejects.toBeInstanceOf(ImportAbandonedError);
    expect(copied).toEqual([1000, 2000]);
    expect(rawState()).toEqual({ rows: 5, taggedRows: 0, imports: [{ id: 1, committed: true }] });
    await expectOnlyTheFeaturesFromBefore();
  });

  it('refuses to commit when the removal deleted its features but stopped before its ledger row', async () => {
    const { importer, copied, stalled, resume } = await stallingImporter(5000); // The last batch: commit comes next.
    const importing = importer.insertFeatures(features(5000));
    await stalled;
    removeAsAbandoned('before deleting the ledger row');
    expect(rawState()).toEqual({ rows: 5, taggedRows: 0, imports: [{ id: 1, committed: true }, { id: 2, committed: false }] });
    await expectOnlyTheFeaturesFromBefore();
    resume();
    await expect(importing).rejects.toBeInstanceOf(ImportAbandonedError);
    expect(copied).toEqual([1000, 2000, 3000, 4000, 5000]);
    expect(rawState()).toEqual({ rows: 5, taggedRows: 0, imports: [{ id: 1, committed: true }] });
    await expectOnlyTheFeaturesFromBefore();
  });

  it('is finished by the next open when the removal was cut short, even though the import still beats', async () => {
    leaveUnfinishedImport(database.path, { id: 7, host: 'another-host', pid: 1, abandonedAt: Date.now(), points: [[1, 1], [2, 2]] });
    await expectOnlyTheFeaturesFromBefore();
    const removed: AbandonedImport[] = [];
    await open({ onAbandonedImport: (import_) => removed.push(import_) });
    expect(removed).toEqual([{ id: 7, host: 'another-host', pid: 1, startedAt: expect.any(Number), removedFeatures: 2 }]);
    expect(rawState()).toEqual({ rows: 5, taggedRows: 0, imports: [{ id: 1, committed: true }] });
  });
});

describe('serve on a database with an unfinished import', () => {
  it('deletes its features before loading the index and logs a warning naming it', async () => {
    const storage = await open();
    await storage.insertFeatures(features(5));
    await storage.close();
    const pid = deadPid();
    leaveUnfinishedImport(database.path, { id: 9, pid, points: [[77, 77]] });
    const captured = captureLog('info');
    const server = await startTestServer({ storageUrl: database.url, log: captured.log });
    try {
      expect(captured.lines.find((line) => line.msg === 'removed the features of an unfinished import')).toMatchObject({
        level: 40,
        import: { id: 9, pid, removedFeatures: 1 },
      });
      await expect(server.client.getFeature({ latitude: 77, longitude: 77 })).resolves.toMatchObject({ name: '' });
      await expect(server.client.getFeature({ latitude: 4, longitude: -4 })).resolves.toMatchObject({ name: 'f4' });
    } finally {
      await server.stop();
    }
  });
});

describe('routeguide seed killed while copying', () => {
  it('leaves nothing visible, and the next open deletes what it copied', async () => {
    ensureBuilt();
    const storage = await open();
    await storage.insertFeatures([{ name: 'before', latitude: -900_000_000, longitude: 0 }]);
    const seed = spawn(process.execPath, [BIN, 'seed', '--storage', database.url, '--synthetic', '400000', '--batch-rows', '200'], {
      stdio: 'ignore',
    });
    const exited = once(seed, 'exit');
    const watcher = new Database(database.path, { readonly: true });
    const copiedRow = watcher.prepare(
      'SELECT 1 FROM features WHERE import_id IN (SELECT id FROM imports WHERE committed_at IS NULL) LIMIT 1',
    );
    try {
      await eventually(() => copiedRow.get() !== undefined, 60_000, 'the seed to copy its first batch');
    } finally {
      watcher.close();
    }
    seed.kill('SIGKILL');
    await exited;
    expect(await storage.countFeatures()).toBe(1);
    const partial = rawState();
    expect(partial.taggedRows).toBeGreaterThan(0);
    expect(partial.taggedRows).toBeLessThan(400_000);

    const removed: AbandonedImport[] = [];
    const reopened = await open({ onAbandonedImport: (import_) => removed.push(import_) });
    expect(removed).toEqual([expect.objectContaining({ pid: seed.pid, removedFeatures: partial.taggedRows })]);
    expect(rawState()).toEqual({ rows: 1, taggedRows: 0, imports: [{ id: 1, committed: true }] });
    expect(await reopened.countFeatures()).toBe(1);
  }, 90_000);
});
