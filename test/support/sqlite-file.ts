import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { openStorage } from '../../src/storage/open-storage.js';
import type { Storage } from '../../src/storage/storage.js';
import { temporaryDirectory } from './servers.js';

/**
 * A SQLite database file `name` in a fresh directory for each test of the calling file, and `open`,
 * which opens storages on it that are closed (and the directory removed) after the test.
 */
export function useSqliteFile(prefix: string, name: string) {
  let directory: ReturnType<typeof temporaryDirectory> | undefined;
  const opened: Storage[] = [];
  beforeEach(() => {
    directory = temporaryDirectory(prefix);
  });
  afterEach(async () => {
    for (const storage of opened.splice(0)) await storage.close();
    directory?.remove();
  });
  const file = {
    /** The test's directory. */
    get directory(): string {
      if (directory === undefined) throw new Error('useSqliteFile: the database exists only inside a test');
      return directory.path;
    },
    get path(): string {
      return join(file.directory, name);
    },
    get url(): string {
      return `sqlite:${file.path}`;
    },
    async open(options: Parameters<typeof openStorage>[1] = {}): Promise<Storage> {
      const storage = await openStorage(file.url, options);
      opened.push(storage);
      return storage;
    },
  };
  return file;
}
