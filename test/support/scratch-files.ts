import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { temporaryDirectory } from './servers.js';

/**
 * A fresh directory for each test of the calling file (removed after it), and `file(name, content)`,
 * which writes a file there and gives its path.
 */
export function useScratchFiles(prefix: string): { readonly path: string; file(name: string, content: string | Uint8Array): string } {
  let directory: ReturnType<typeof temporaryDirectory> | undefined;
  beforeEach(() => {
    directory = temporaryDirectory(prefix);
  });
  afterEach(() => directory?.remove());
  const scratch = {
    get path(): string {
      if (directory === undefined) throw new Error('useScratchFiles: the directory exists only inside a test');
      return directory.path;
    },
    file(name: string, content: string | Uint8Array): string {
      const path = join(scratch.path, name);
      writeFileSync(path, content);
      return path;
    },
  };
  return scratch;
}
