import { openConnection, openMigrated } from './connection.js';
import { viewImports, visibleFeatures } from './import-ledger.js';
import { DEFAULT_IMPORT_BATCH_ROWS, type SqliteStorageOptions } from './options.js';
import { importFeatures } from './import.js';
import { createSqliteNotes } from './notes.js';
import { createSerialQueue } from '../serial-queue.js';
import type { CommittedImport, FeatureRecord, InsertSummary, Storage } from '../storage.js';
import { StorageClosedError } from '../errors.js';
import { createSqliteChanges, DEFAULT_CHANGE_POLL_MS } from './changes.js';

/** Opens (creating if needed) and migrates a SQLite database. */
export function openSqliteStorage(options: SqliteStorageOptions): Storage {
  const db = openMigrated(options);

  // Readers see only the features of committed imports (see import-ledger.ts). One read transaction
  // for the view and the count: with no import pending in it, every row counts.
  const countAll = db.prepare('SELECT count(*) FROM features').pluck();
  const countVisible = db.transaction((): number => {
    const view = viewImports(db);
    if (view.pending.length === 0) return countAll.get() as number;
    const visible = visibleFeatures(view);
    return db.prepare(`SELECT count(*) FROM features WHERE ${visible.sql}`).pluck().get(...visible.params) as number;
  });
  // Any visible feature: one of before imports were tracked (import_id 0), or one of a committed
  // import; each is one seek in features_by_import, however many rows a pending import holds.
  const hasFeaturesStatement = db
    .prepare(
      `SELECT EXISTS (SELECT 1 FROM features WHERE import_id = 0)
           OR EXISTS (SELECT 1 FROM imports WHERE commit_position IS NOT NULL
                        AND EXISTS (SELECT 1 FROM features WHERE features.import_id = imports.id))`,
    )
    .pluck();
  // Migration 006: the database's identity, and each import's token.
  const identityStatement = db.prepare('SELECT id FROM storage_identity').pluck();
  const importTokenStatement = db.prepare('SELECT token FROM imports WHERE commit_position = ?').pluck();
  // The import feed (migration 005): committed imports by commit_position, and one import's features
  // by key through features_by_import.
  const lastImportStatement = db.prepare('SELECT coalesce(max(commit_position), 0) FROM imports').pluck();
  const importsAfterStatement = db.prepare(
    'SELECT commit_position AS position FROM imports WHERE commit_position > ? ORDER BY commit_position LIMIT ?',
  );
  const importIdStatement = db.prepare('SELECT id FROM imports WHERE commit_position = ?').pluck();
  const importPageStatement = db.prepare(
    `SELECT latitude, longitude, name FROM features
     WHERE import_id = ? AND (latitude, longitude) > (?, ?) ORDER BY latitude, longitude LIMIT ?`,
  );
  const changes = createSqliteChanges(db, options.changePollMs ?? DEFAULT_CHANGE_POLL_MS, (error) => {
    // A poll fails only when the database does; the calls that need it report the same error.
    options.onChangePollError?.(error);
  });
  // One import at a time per storage object: a second one waits its turn instead of failing with
  // ImportInProgressError, which stays the answer to another process (or storage object).
  const inserts = createSerialQueue();
  let closing: Promise<void> | undefined;

  function assertOpen(): void {
    if (closing !== undefined) throw new StorageClosedError(`SQLite storage ${options.path}`);
  }
  const { notes, stop: stopNotes } = createSqliteNotes(db, assertOpen, () => changes.committed(), options.noteTailMoveAt);

  /**
   * Pages of features in (latitude, longitude) order, each read by `page` after the last point of
   * the one before; the paging crosses awaits, so it stops at a page, not on a closed connection.
   */
  function* keysetPages(batchSize: number, page: (latitude: number, longitude: number) => FeatureRecord[]): Generator<FeatureRecord[]> {
    let latitude = -Infinity;
    let longitude = -Infinity;
    for (;;) {
      assertOpen();
      const rows = page(latitude, longitude);
      if (rows.length === 0) return;
      const last = rows[rows.length - 1]!;
      latitude = last.latitude;
      longitude = last.longitude;
      yield rows;
      if (rows.length < batchSize) return;
    }
  }

  async function insertNow(input: Iterable<FeatureRecord> | AsyncIterable<FeatureRecord>): Promise<InsertSummary> {
    // Queued imports that had not started when close() began are refused here.
    assertOpen();
    const importDb = openConnection(options);
    try {
      const summary = await importFeatures(input, {
        ledgerDb: db,
        importDb,
        batchRows: options.importBatchRows ?? DEFAULT_IMPORT_BATCH_ROWS,
        inMemoryBytes: options.importMemoryBytes,
        onSorting: options.onImportSorting,
        onBatch: options.onImportBatch,
        onAbandoned: options.onAbandonedImport,
        onCommitted: options.onImportCommitted,
      });
      // Committed on this storage's own connection, which its data_version poll does not see.
      changes.committed();
      return summary;
    } finally {
      // Closing drops the temp tables and their files.
      importDb.close();
    }
  }

  async function closeAfterImports(): Promise<void> {
    // The import in flight keeps its heartbeat and commits on `db`: let it finish first.
    await inserts.idle();
    changes.close();
    stopNotes();
    // Fold the WAL back into the main file so the database is one self-contained file at rest.
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
  }

  return {
    scheme: 'sqlite',
    ...notes,

    async countFeatures() {
      assertOpen();
      return countVisible();
    },

    async hasFeatures() {
      assertOpen();
      return hasFeaturesStatement.get() === 1;
    },

    async identity() {
      assertOpen();
      return identityStatement.get() as string;
    },

    async importToken(position) {
      assertOpen();
      return (importTokenStatement.get(position) as string | null | undefined) ?? undefined;
    },

    async insertFeatures(input) {
      assertOpen();
      return inserts.run(() => insertNow(input));
    },

    async *scanFeatures(batchSize = 10_000) {
      assertOpen();
      // Keyset paging rather than one open cursor: an open cursor would block note writes
      // on this connection for as long as the scan runs.
      // One view for the whole scan: an import that commits meanwhile is not seen half-way.
      const visible = visibleFeatures(viewImports(db));
      // Rows as objects straight from better-sqlite3, already FeatureRecords: at 1M features this
      // took about a third less CPU than raw rows mapped to objects (fewer allocations, less GC).
      const scanStatement = db.prepare(
        `SELECT latitude, longitude, name FROM features
         WHERE (latitude, longitude) > (?, ?) AND ${visible.sql} ORDER BY latitude, longitude LIMIT ?`,
      );
      yield* keysetPages(batchSize, (latitude, longitude) => scanStatement.all(latitude, longitude, ...visible.params, batchSize) as FeatureRecord[]);
    },

    async lastImportPosition() {
      assertOpen();
      return lastImportStatement.get() as number;
    },

    async importsAfter(position, limit) {
      assertOpen();
      if (limit <= 0) return [];
      return importsAfterStatement.all(position, limit) as CommittedImport[];
    },

    async *scanImport(position, batchSize = 10_000) {
      assertOpen();
      const importId = importIdStatement.get(position) as number | undefined;
      if (importId === undefined) return;
      // Keyset paging, as in scanFeatures; a committed import's rows never change.
      yield* keysetPages(batchSize, (latitude, longitude) => importPageStatement.all(importId, latitude, longitude, batchSize) as FeatureRecord[]);
    },

    onChange(listener) {
      assertOpen();
      return changes.onChange(listener);
    },

    close() {
      closing ??= closeAfterImports();
      return closing;
    },
  };
}
