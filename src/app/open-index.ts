import { FeatureIndex } from '../index/feature-index.js';
import { IndexFileRejected, MISSING, openIndexFile, type IndexFileHeader, type OpenedIndexFile } from '../index/index-file.js';
import type { Logger } from '../observability/logger.js';
import type { Storage } from '../storage/storage.js';
import type { FileLock } from '../common/replace-file.js';
import { buildIndexFile, lockIndexFile, staleReason } from './index-file-builds.js';
import { loadIndex } from './load-features.js';

/** An index ready to follow the import feed. */
export interface OpenedIndex {
  readonly index: FeatureIndex;
  /** Follow the import feed from here. */
  readonly from: number;
  /** Imports up to here may already be in the index: their points are checked. */
  readonly overlapThrough: number;
  /** The index file the base was mapped from, if any. */
  readonly file?: { readonly path: string; readonly header: IndexFileHeader };
}

export interface OpenIndexOptions {
  /** The index file's path; none (memory storage) builds in the heap. */
  readonly path: string | undefined;
  /** Check every section's checksum (once per machine start: the primary, or a lone server). */
  readonly verifyChecksums: boolean;
  readonly log: Logger;
  /** Called just before a load or build that takes a while. */
  readonly onLoading?: (what: string) => void | Promise<void>;
}

/** The file opened, or why it cannot be used. */
async function tryFile(path: string, storage: Storage, verifyChecksums: boolean): Promise<OpenedIndexFile | string> {
  let opened: OpenedIndexFile;
  try {
    opened = openIndexFile(path, { verifyChecksums });
  } catch (error) {
    if (error instanceof IndexFileRejected) return error.message;
    throw error;
  }
  return (await staleReason(opened.header, storage)) ?? opened;
}

/** Every stored feature in the heap, as before index files: for memory storage, or an unwritable directory. */
async function heapIndex(storage: Storage, options: OpenIndexOptions): Promise<OpenedIndex> {
  const from = await storage.lastImportPosition();
  const index = await loadIndex(storage, (count: number) => options.onLoading?.(`loading ${count} features`));
  return { index, from, overlapThrough: await storage.lastImportPosition() };
}

function fromFile(opened: OpenedIndexFile, path: string, log: Logger): OpenedIndex {
  if (!opened.mapped) log.warn({ indexFile: path, reason: opened.reason }, 'index file read into memory, not mapped');
  const { header } = opened;
  return {
    index: new FeatureIndex({ base: opened.features }),
    from: header.feedPosition,
    overlapThrough: header.overlapThrough,
    file: { path, header },
  };
}

/**
 * The index file at `path`, current: opened when it can be trusted, else rebuilt from storage once,
 * under a lock (a process that finds another building waits for it and uses its file), with one log
 * line saying why. Undefined, after one line saying so, when the file cannot be written.
 */
async function currentIndexFile(storage: Storage, path: string, options: OpenIndexOptions): Promise<OpenedIndexFile | undefined> {
  const { log } = options;
  const first = await tryFile(path, storage, options.verifyChecksums);
  if (typeof first !== 'string') return first;
  let lock: FileLock | undefined;
  try {
    const locked = await lockIndexFile(path);
    lock = locked.lock;
    if (locked.waited) {
      // Another process held the lock: it may have just written a good file.
      const again = await tryFile(path, storage, options.verifyChecksums);
      if (typeof again !== 'string') return again;
    }
    // A first start has no file yet: nothing is wrong, so that is said at info.
    if (first === MISSING) log.info({ indexFile: path }, 'no index file yet; building it from storage');
    else log.warn({ indexFile: path, reason: first }, 'index file cannot be used; rebuilding it from storage');
    await options.onLoading?.('building the index file');
    const started = Date.now();
    const header = await buildIndexFile(storage, path);
    log.info({ indexFile: path, features: header.count, ms: Date.now() - started }, 'index file written');
  } catch (error) {
    log.warn({ indexFile: path, reason: (error as Error).message, unusable: first }, 'cannot write the index file; the index is built in memory');
    return undefined;
  } finally {
    await lock?.release();
  }
  const built = await tryFile(path, storage, false);
  if (typeof built === 'string') throw new Error(`the index file just written at ${path} cannot be used: ${built}`);
  return built;
}

/**
 * Opens the index at start-up. From its file when that is current (see currentIndexFile): mapped,
 * never parsed, then caught up from the feed. A file that cannot be trusted (missing, another
 * database, another format version, truncated, failing a checksum, ahead of its storage) is never
 * served. Without a file (memory storage, or one that cannot be written), every feature is loaded
 * into the heap.
 */
export async function openIndex(storage: Storage, options: OpenIndexOptions): Promise<OpenedIndex> {
  if (options.path === undefined) return heapIndex(storage, options);
  const file = await currentIndexFile(storage, options.path, options);
  return file ? fromFile(file, options.path, options.log) : heapIndex(storage, options);
}

/**
 * What a cluster's primary does before it forks: makes the index file current, checksums checked,
 * so that every worker maps it (without checking it again) and none rebuilds it.
 */
export async function prepareIndexFile(storage: Storage, path: string | undefined, log: Logger): Promise<void> {
  if (path !== undefined) await currentIndexFile(storage, path, { path, verifyChecksums: true, log });
}
