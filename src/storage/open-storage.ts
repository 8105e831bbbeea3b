import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { createMemoryStorage } from './memory.js';
import type { SqliteStorageOptions } from './sqlite/options.js';
import { openSqliteStorage } from './sqlite/sqlite-storage.js';
import type { Storage } from './storage.js';

export const SUPPORTED_SCHEMES = ['memory:', 'sqlite:<path>'] as const;

export type StorageLocation =
  | { readonly scheme: 'memory' }
  | { readonly scheme: 'sqlite'; readonly path: string };

/** A storage URL that names no backend, or a path that cannot be used. */
export class StorageUrlError extends Error {
  override readonly name = 'StorageUrlError';
}

/**
 * Parses a storage URL: `memory:` or `sqlite:<path>`, the path absolute or relative to the
 * working directory. This is the one place that knows the URL syntax.
 */
export function parseStorageUrl(url: string, cwd: string = process.cwd()): StorageLocation {
  const colon = url.indexOf(':');
  const scheme = colon === -1 ? '' : url.slice(0, colon);
  const rest = colon === -1 ? url : url.slice(colon + 1);
  if (scheme === 'memory') {
    if (rest !== '') throw new StorageUrlError(`storage URL "${url}": memory: takes nothing after the colon`);
    return { scheme: 'memory' };
  }
  if (scheme === 'sqlite') {
    // Accept sqlite://relative and sqlite:///absolute as well as the plain form.
    const path = rest.startsWith('//') ? rest.slice(2) : rest;
    if (path === '') throw new StorageUrlError(`storage URL "${url}": sqlite: needs a file path, e.g. sqlite:./data/rg.db`);
    return { scheme: 'sqlite', path: resolve(cwd, path) };
  }
  throw new StorageUrlError(
    `storage URL "${url}": unknown scheme; supported: ${SUPPORTED_SCHEMES.join(', ')}`,
  );
}

export interface OpenStorageOptions extends Omit<SqliteStorageOptions, 'path'> {
  /** Create the database file's directory if it is missing (for the default path only). */
  readonly createDirectory?: boolean;
  readonly cwd?: string;
}

/**
 * Opens the backend a storage URL names: `memory:` or `sqlite:<path>`. Asynchronous, because a
 * networked backend connects, migrates and retries before it is ready.
 */
export async function openStorage(url: string, options: OpenStorageOptions = {}): Promise<Storage> {
  const location = parseStorageUrl(url, options.cwd);
  if (location.scheme === 'memory') return createMemoryStorage();
  const directory = dirname(location.path);
  if (!existsSync(directory)) {
    if (!options.createDirectory) {
      throw new StorageUrlError(`storage URL "${url}": directory ${directory} does not exist`);
    }
    mkdirSync(directory, { recursive: true });
  } else if (!statSync(directory).isDirectory()) {
    throw new StorageUrlError(`storage URL "${url}": ${directory} is not a directory`);
  }
  return openSqliteStorage({ ...options, path: location.path });
}
