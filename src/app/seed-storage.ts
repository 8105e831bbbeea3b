import type { FeatureRecord } from '../geo/feature.js';
import { DEFAULT_IMPORT_MEMORY_BYTES, type ImportedRows, type StorageUrl } from '../storage/open-storage.js';
import type { InsertSummary } from '../storage/storage.js';
import { openAppStorage, type AppStorageOptions } from './app-storage.js';
import { updateIndexFile, writeImportedIndexFile } from './index-file-builds.js';
import { indexFilePath } from './index-file-location.js';

export { DEFAULT_IMPORT_BATCH_ROWS } from '../storage/open-storage.js';

/** How `seed` opens its storage; everything else is the storage's default. */
export type SeedStorageOptions = Pick<AppStorageOptions, 'password' | 'importBatchRows' | 'importMemoryBytes' | 'onImportSorting' | 'onImportBatch' | 'onAbandonedImport'> & {
  /** Told when the index file is being brought up to date (SQLite only), and when it is written. */
  readonly onIndexFile?: (event: IndexFileEvent) => void;
  /**
   * The input's size in bytes, when it is a file. A file four times the import's memory budget or
   * more is staged in SQLite from its first row: its rows would not fit, and holding the first ones in
   * memory until they spill left the heap larger for the rest of the seed (10M features: about 430
   * MiB at the peak, against about 400).
   */
  readonly inputBytes?: number;
};

export type IndexFileEvent =
  | { readonly state: 'writing'; readonly path: string }
  | { readonly state: 'written'; readonly path: string; readonly features: number; readonly merged: boolean; readonly ms: number };

/**
 * `routeguide seed`'s work: opens the storage `url` names, stores `features` in one all-or-nothing
 * import (a point already stored keeps its feature), brings a SQLite database's index file up to
 * date, and closes the storage. A command run by hand
 * reports an unreachable database at once, rather than waiting for it as a server does.
 */
export async function seedStorage(
  url: StorageUrl,
  features: Iterable<FeatureRecord> | AsyncIterable<FeatureRecord>,
  options: SeedStorageOptions,
): Promise<InsertSummary> {
  // An import sorted in memory hands its rows over once committed (SQLite only).
  let imported: ImportedRows | undefined;
  const large = options.inputBytes !== undefined && options.inputBytes >= 4 * (options.importMemoryBytes ?? DEFAULT_IMPORT_MEMORY_BYTES);
  const storage = await openAppStorage(url, {
    ...options,
    ...(large ? { importMemoryBytes: 0 } : {}),
    connectTimeoutMs: 0,
    onImportCommitted: (rows) => (imported = rows),
  });
  try {
    // A SQLite database's servers then start from a current file. PostgreSQL's servers each keep
    // their own (in their --index-dir), so a seed there writes none.
    const path = url.location.scheme === 'sqlite' ? indexFilePath(url.location, await storage.identity()) : undefined;
    // Into an empty database, the import's rows are the index file's features. The position is read
    // first: an import committing in between then either shows its features or moves the position on.
    const position = path !== undefined ? await storage.lastImportPosition() : undefined;
    const emptyAt = position !== undefined && !(await storage.hasFeatures()) ? position : undefined;
    const summary = await storage.insertFeatures(features);
    if (path !== undefined) {
      options.onIndexFile?.({ state: 'writing', path });
      const started = Date.now();
      const rows = imported;
      imported = undefined;
      const written =
        rows !== undefined && emptyAt !== undefined
          ? await writeImportedIndexFile(storage, path, rows, { emptyAt, inserted: summary.inserted })
          : undefined;
      const { header, merged } = written !== undefined ? { header: written, merged: false } : await updateIndexFile(storage, path);
      options.onIndexFile?.({ state: 'written', path, features: header.count, merged, ms: Date.now() - started });
    }
    return summary;
  } finally {
    await storage.close();
  }
}
