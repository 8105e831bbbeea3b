import type { FeatureRecord } from '../geo/feature.js';
import type { StorageUrl } from '../storage/open-storage.js';
import type { InsertSummary } from '../storage/storage.js';
import { openAppStorage, type AppStorageOptions } from './app-storage.js';

export { DEFAULT_IMPORT_BATCH_ROWS } from '../storage/open-storage.js';

/** How `seed` opens its storage; everything else is the storage's default. */
export type SeedStorageOptions = Pick<AppStorageOptions, 'password' | 'importBatchRows' | 'onImportSorting' | 'onImportBatch' | 'onAbandonedImport'>;

/**
 * `routeguide seed`'s work: opens the storage `url` names, stores `features` in one all-or-nothing
 * import (a point already stored keeps its feature) and closes the storage. A command run by hand
 * reports an unreachable database at once, rather than waiting for it as a server does.
 */
export async function seedStorage(
  url: StorageUrl,
  features: Iterable<FeatureRecord> | AsyncIterable<FeatureRecord>,
  options: SeedStorageOptions,
): Promise<InsertSummary> {
  const storage = await openAppStorage(url, { ...options, connectTimeoutMs: 0 });
  try {
    return await storage.insertFeatures(features);
  } finally {
    await storage.close();
  }
}
