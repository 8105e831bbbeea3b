import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { createMemoryStorage } from './memory.js';
import type { PostgresStorageOptions } from './postgres/options.js';
import type { SqliteStorageOptions } from './sqlite/options.js';
import { openSqliteStorage } from './sqlite/sqlite-storage.js';
import { quickCheckInBackground, type BackgroundCheck } from './sqlite/quick-check.js';
import type { Storage } from './storage.js';
import { readStorageUrl, StorageUrlError, type StorageUrl } from './storage-url.js';

export { parseStorageUrl, readStorageUrl, redactStorageUrl, StorageUrlError, SUPPORTED_SCHEMES } from './storage-url.js';
export type { StorageLocation, StorageUrl } from './storage-url.js';
export { describeProblems } from './sqlite/quick-check.js';
export type { BackgroundCheck } from './sqlite/quick-check.js';
/** The defaults of the options below that a command shows in its help. */
export { DEFAULT_POOL_SIZE } from './postgres/options.js';
export { DEFAULT_IMPORT_BATCH_ROWS, DEFAULT_IMPORT_MEMORY_BYTES } from './sqlite/options.js';
export type { ImportedRows } from './sqlite/options.js';

export interface OpenStorageOptions
  extends Omit<SqliteStorageOptions, 'path' | 'onMigrated'>,
    Omit<PostgresStorageOptions, 'target' | 'onMigrated'> {
  /** Called with the names of the migrations this open applied. */
  readonly onMigrated?: (names: string[]) => void;
  /** Create the database file's directory if it is missing (for the default path only). */
  readonly createDirectory?: boolean;
  readonly cwd?: string;
}

/**
 * Opens the backend a storage URL names: `memory:`, `sqlite:<path>` or `postgres://...`.
 * Asynchronous, because a networked backend connects, migrates and retries before it is ready.
 */
export async function openStorage(url: string, options: OpenStorageOptions = {}): Promise<Storage> {
  return openStorageUrl(readStorageUrl(url, options.cwd), options);
}

/** openStorage for a URL read already (see readStorageUrl): the composition root reads it once. */
export async function openStorageUrl(url: StorageUrl, options: Omit<OpenStorageOptions, 'cwd'> = {}): Promise<Storage> {
  const { location } = url;
  if (location.scheme === 'memory') return createMemoryStorage();
  if (location.scheme === 'postgres') {
    const { scheme: _scheme, ...target } = location;
    // Loaded only for a PostgreSQL URL: pg's modules cost about 65 ms of CPU at every start otherwise.
    const { openPostgresStorage } = await import('./postgres/postgres-storage.js');
    const storage = openPostgresStorage({ ...options, target });
    try {
      await storage.ready;
    } catch (error) {
      await storage.close();
      throw error;
    }
    return storage;
  }
  const directory = dirname(location.path);
  if (!existsSync(directory)) {
    if (!options.createDirectory) {
      throw new StorageUrlError(`storage URL "${url.shown}": directory ${directory} does not exist`);
    }
    mkdirSync(directory, { recursive: true });
  } else if (!statSync(directory).isDirectory()) {
    throw new StorageUrlError(`storage URL "${url.shown}": ${directory} is not a directory`);
  }
  return openSqliteStorage({ ...options, path: location.path });
}

/**
 * The integrity check an open with `quickCheckAtOpen: false` left out, on a thread of its own: SQLite's
 * quick_check on a connection of its own (see quickCheckInBackground). undefined for memory: and
 * PostgreSQL, which have none.
 */
export function checkStorageInBackground(url: StorageUrl): BackgroundCheck | undefined {
  const { location } = url;
  return location.scheme === 'sqlite' ? quickCheckInBackground({ path: location.path }) : undefined;
}
