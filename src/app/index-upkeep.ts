import { statSync, type Stats } from 'node:fs';
import { runInSlices } from '../common/event-loop.js';
import { acquireFileLock } from '../common/replace-file.js';
import type { FeatureIndex } from '../index/feature-index.js';
import { IndexFileRejected, openIndexFile } from '../index/index-file.js';
import { mergeInWorker } from '../index/index-merge.js';
import type { Logger } from '../observability/logger.js';
import type { Storage } from '../storage/storage.js';
import { originAt, staleReason } from './index-file-builds.js';

/** A new file is written once the features taken in since the last one pass this share of it. */
export const MERGE_SHARE = 0.05;
/** How often a server looks for a file that another process wrote. */
const WATCH_MS = 2000;
/** The longest a merge's copying keeps the event loop (the intake slice). */
const SLICE_MS = 10;

export interface IndexUpkeepOptions {
  readonly storage: Storage;
  readonly index: FeatureIndex;
  readonly path: string;
  readonly log: Logger;
}

export interface IndexUpkeep {
  /** Called after each intake with the feed position the index now holds. */
  afterIntake(position: number): void;
  /** Stops watching; resolves once a merge under way has finished. */
  stop(): Promise<void>;
}

function sameFile(a: Stats | undefined, b: Stats | undefined): boolean {
  return a !== undefined && b !== undefined && a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs;
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/**
 * Keeps a server's index file current while it runs. Once the features taken in since the file was
 * written pass MERGE_SHARE of it, a new file is written in a worker thread, from the old file and
 * those features (never from storage), under the file's lock; the server then maps it and keeps in
 * the heap only what came after. A server that finds a file another process wrote (another worker,
 * a `seed`) maps it instead. A failed write is logged and the file in use stays.
 */
export function keepIndexFile(options: IndexUpkeepOptions): IndexUpkeep {
  const { storage, index, path, log } = options;
  let mapped = statOrUndefined(path);
  let working: Promise<void> | undefined;
  let stopped = false;
  /** After a failed write, the next try waits until the heap holds this many features. */
  let retryAt = 0;

  async function merge(position: number): Promise<void> {
    const lock = await acquireFileLock(`${path}.lock`);
    if (!lock) return; // another process is writing: its file will be found by the watch
    const started = Date.now();
    try {
      const recent = await runInSlices(index.recentFeatures(), SLICE_MS);
      const origin = await originAt(storage, position, position);
      const header = await mergeInWorker(path, recent, origin);
      const opened = openIndexFile(path, { verifyChecksums: false });
      mapped = statOrUndefined(path);
      await index.replaceBase(opened.features);
      log.info({ indexFile: path, features: header.count, merged: recent.count, position, ms: Date.now() - started }, 'index file rewritten');
    } catch (error) {
      retryAt = index.recentSize * (1 + MERGE_SHARE);
      log.warn({ indexFile: path, reason: (error as Error).message }, 'could not rewrite the index file; keeping the one in use');
    } finally {
      await lock.release();
    }
  }

  /** Maps a file that another process wrote, if it describes this storage. */
  async function adopt(): Promise<void> {
    const now = statOrUndefined(path);
    if (now === undefined || sameFile(now, mapped)) return;
    let opened;
    try {
      opened = openIndexFile(path, { verifyChecksums: false });
    } catch (error) {
      // A file being replaced is never seen half-written (rename); anything else waits for the next look.
      if (!(error instanceof IndexFileRejected)) throw error;
      return;
    }
    if ((await staleReason(opened.header, storage)) !== undefined) return;
    mapped = now;
    await index.replaceBase(opened.features);
    log.info({ indexFile: path, features: opened.header.count, position: opened.header.overlapThrough }, 'index file written by another process mapped');
  }

  function run(work: () => Promise<void>): void {
    working = work()
      .catch((error: unknown) => log.warn({ indexFile: path, reason: (error as Error).message }, 'could not map the new index file'))
      .finally(() => {
        working = undefined;
      });
  }

  const watch = setInterval(() => {
    if (!stopped && !working) run(adopt);
  }, WATCH_MS);
  watch.unref();

  return {
    afterIntake(position) {
      const base = index.packedBase;
      if (stopped || working || !base) return;
      const recent = index.recentSize;
      if (recent <= base.count * MERGE_SHARE || recent < retryAt) return;
      run(() => merge(position));
    },
    async stop() {
      stopped = true;
      clearInterval(watch);
      await working;
    },
  };
}
