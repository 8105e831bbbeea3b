import type { FeatureRecord } from '../geo/feature.js';
import type { StorageUrl } from '../storage/open-storage.js';
import type { InsertSummary } from '../storage/storage.js';
import { openAppStorage, type AppStorageOptions } from './app-storage.js';
import { updateIndexFile } from './index-file-builds.js';
import { indexFilePath } from './index-file-location.js';

export { DEFAULT_IMPORT_BATCH_ROWS } from '../storage/open-storage.js';

/** How `seed` opens its storage; everything else is the storage's default. */
export type SeedStorageOptions = Pick<AppStorageOptions, 'password' | 'importBatchRows' | 'onImportSorting' | 'onImportBatch' | 'onAbandonedImport'> & {
  /** Told when the index file is being brought up to date (SQLite only), and when it is written. */
  readonly onIndexFile?: (event: IndexFileEvent) => void;
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
  const storage = await openAppStorage(url, { ...options, connectTimeoutMs: 0 });
  try {
    const summary = await storage.insertFeatures(features);
    // A SQLite database's servers then start from a current file. PostgreSQL's servers each keep
    // their own (in their --index-dir), so a seed there writes none.
    if (url.location.scheme === 'sqlite') {
      const path = indexFilePath(url.location, await storage.identity());
      if (path !== undefined) {
        options.onIndexFile?.({ state: 'writing', path });
        const started = Date.now();
        const { header, merged } = await updateIndexFile(storage, path);
        options.onIndexFile?.({ state: 'written', path, features: header.count, merged, ms: Date.now() - started });
      }
    }
    return summary;
  } finally {
    await storage.close();
  }
}
