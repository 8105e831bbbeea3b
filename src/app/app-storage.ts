import { openStorageUrl, type OpenStorageOptions, type StorageUrl } from '../storage/open-storage.js';
import type { Storage } from '../storage/storage.js';

/** Where features and notes live unless told otherwise; the one storage URL whose directory is created. */
export const DEFAULT_STORAGE_URL = 'sqlite:./data/routeguide.db';

export type AppStorageOptions = Omit<OpenStorageOptions, 'createDirectory' | 'cwd'>;

/**
 * Opens the storage a URL names, the way every command does: `serve`, `seed` and `copy` all come
 * here, so that the default database's directory is created in one place and nowhere else.
 */
export function openAppStorage(url: StorageUrl, options: AppStorageOptions = {}): Promise<Storage> {
  return openStorageUrl(url, { ...options, createDirectory: url.text === DEFAULT_STORAGE_URL });
}
