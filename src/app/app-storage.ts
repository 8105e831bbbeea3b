import { openStorage, type OpenStorageOptions } from '../storage/open-storage.js';
import type { Storage } from '../storage/storage.js';

/** Where features and notes live unless told otherwise; the one storage URL whose directory is created. */
export const DEFAULT_STORAGE_URL = 'sqlite:./data/routeguide.db';

export type AppStorageOptions = Omit<OpenStorageOptions, 'createDirectory'>;

/**
 * Opens the storage a URL names, the way every command does: `serve` and `seed` both come here, so
 * that the default database's directory is created in one place and nowhere else.
 */
export function openAppStorage(url: string, options: AppStorageOptions = {}): Promise<Storage> {
  return openStorage(url, { ...options, createDirectory: url === DEFAULT_STORAGE_URL });
}
