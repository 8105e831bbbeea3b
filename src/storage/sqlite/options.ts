/** An import that never committed and whose process is gone; its rows were deleted. */
export interface AbandonedImport {
  readonly id: number;
  readonly host: string;
  readonly pid: number;
  readonly startedAt: number;
  /** Features of that import deleted now. */
  readonly removedFeatures: number;
}

/**
 * The distinct rows of an import that sorted its input in memory, in key order: the first feature at
 * each point of the input. All of them are stored unless the database already held some of their
 * points.
 */
export interface ImportedRows {
  readonly count: number;
  forEach(visit: (latitude: number, longitude: number, name: string) => void): void;
}

/** Options for the SQLite backend (`sqlite:<path>`). */
export interface SqliteStorageOptions {
  /** The database file; created if missing (its directory must exist). */
  readonly path: string;
  /**
   * `normal` (default): a committed note survives a crash of the process; the last commits may be
   * lost on power loss. `full`: fsync on every commit, surviving power loss too, at a cost in speed.
   */
  readonly synchronous?: 'normal' | 'full';
  /** How long a write waits for another connection's write lock, in milliseconds. */
  readonly busyTimeoutMs?: number;
  /**
   * Run SQLite's quick_check at open (default true), so that a corrupted file is refused before
   * anything reads it. It reads the whole file (about 20 s at 100M features): `serve` opens without
   * it and runs quickCheckInBackground (quick-check.ts) once it listens.
   */
  readonly quickCheckAtOpen?: boolean;
  /** Called with the names of the migrations this open applied. */
  readonly onMigrated?: (names: string[]) => void;
  /**
   * Called for each import found abandoned (its process died before committing) and deleted, at open
   * or when an import starts.
   */
  readonly onAbandonedImport?: (removed: AbandonedImport) => void;
  /** Rows per import copy transaction, the longest an import holds the write lock (default 50,000). */
  readonly importBatchRows?: number;
  /**
   * Memory, in bytes, an import's input may take to be sorted in memory (default 64 MiB, about 1.2M
   * features); a larger input is staged in a TEMP table and sorted by SQLite. Tests set it low.
   */
  readonly importMemoryBytes?: number;
  /**
   * How often, in milliseconds, a storage with onChange listeners polls for commits made through
   * other connections (default 200).
   */
  readonly changePollMs?: number;
  /** Called when such a poll fails (the database became unreadable), once until one succeeds; polling goes on. */
  readonly onChangePollError?: (error: unknown) => void;
  /**
   * Notes stored after note_locations' last move before the next move takes them in (default
   * 65,536; see note-tail.ts). Tests set it low, to move often.
   */
  readonly noteTailMoveAt?: number;
  /** Called when an import has read its input and starts sorting it, with the number of rows. */
  readonly onImportSorting?: (total: number) => void;
  /** Called after each committed copy batch of an import, with rows copied so far and the total. */
  readonly onImportBatch?: (copied: number, total: number) => void | Promise<void>;
  /**
   * Called once an import that sorted its input in memory has committed, with its rows (an import
   * staged in SQLite is not reported): `routeguide seed` writes the index file from them rather than
   * reading the database back.
   */
  readonly onImportCommitted?: (rows: ImportedRows) => void;
}

/** Memory an import's input may take to be sorted in memory (about 1.2M synthetic features). */
export const DEFAULT_IMPORT_MEMORY_BYTES = 64 * 1024 * 1024;

/** Rows per import copy transaction: about 20 ms of write lock each (39 ms at most) at 10M here (see README). */
export const DEFAULT_IMPORT_BATCH_ROWS = 50_000;
