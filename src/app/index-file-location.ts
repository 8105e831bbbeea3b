import { join, resolve } from 'node:path';
import type { StorageLocation } from '../storage/storage-url.js';

/** Where PostgreSQL's index files go when --index-dir is not given. */
export const DEFAULT_INDEX_DIR = './data/index';

/**
 * Where the index file of a storage lives: beside a SQLite database (`PATH.index`); for PostgreSQL,
 * one file for each database identity in the index directory; none for memory (built in the heap).
 */
export function indexFilePath(location: StorageLocation, identity: string, indexDir: string = DEFAULT_INDEX_DIR): string | undefined {
  switch (location.scheme) {
    case 'memory':
      return undefined;
    case 'sqlite':
      return `${location.path}.index`;
    case 'postgres':
      return join(resolve(indexDir), `${identity}.index`);
  }
}
