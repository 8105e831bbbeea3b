import { Worker } from 'node:worker_threads';
import { openIndexFile, writeIndexFile, type IndexFileHeader, type IndexFileOrigin } from './index-file.js';
import type { IndexFileBuilder } from './index-file-builder.js';
import type { PackedFeatures } from './packed-features.js';

/**
 * The features held in the heap beside a packed base, copied out for a merge in another thread:
 * feature i is at (latitudes[i], longitudes[i]), named names[nameEnds[i]..nameEnds[i + 1]).
 */
export interface RecentFeatures {
  readonly count: number;
  readonly latitudes: Int32Array;
  readonly longitudes: Int32Array;
  readonly nameEnds: Float64Array;
  readonly names: Uint8Array;
}

/** Adds every feature of a packed base to a builder, in the base's tree order, names as bytes. */
export function copyPacked(base: PackedFeatures, builder: IndexFileBuilder): void {
  for (let p = 0; p < base.count; p++) {
    base.locateName(p);
    builder.addEncoded(base.latitude(p), base.longitude(p), base.nameBytes, base.nameStart, base.nameEnd);
  }
}

export function copyRecent(recent: RecentFeatures, builder: IndexFileBuilder): void {
  for (let i = 0; i < recent.count; i++) {
    builder.addEncoded(recent.latitudes[i]!, recent.longitudes[i]!, recent.names, recent.nameEnds[i]!, recent.nameEnds[i + 1]!);
  }
}

/**
 * Writes a new index file at `path` from the file there now (the base the caller maps) and the
 * features taken in since: a merge, with no rebuild from storage. It runs for seconds at 100M
 * features, so a server runs it in a worker thread (mergeInWorker).
 */
export async function mergeRecentIntoFile(path: string, recent: RecentFeatures, origin: IndexFileOrigin): Promise<IndexFileHeader> {
  const old = openIndexFile(path, { verifyChecksums: false });
  return writeIndexFile(path, (builder) => {
    copyPacked(old.features, builder);
    copyRecent(recent, builder);
    return origin;
  });
}

/** mergeRecentIntoFile in a worker thread, so that no call waits on it. */
export function mergeInWorker(path: string, recent: RecentFeatures, origin: IndexFileOrigin): Promise<IndexFileHeader> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./merge-worker.js', import.meta.url), { workerData: { path, recent, origin } });
    let answered = false;
    worker.once('message', (header: IndexFileHeader) => {
      answered = true;
      resolve(header);
    });
    worker.once('error', (error) => {
      answered = true;
      reject(error);
    });
    worker.once('exit', (code) => {
      if (!answered) reject(new Error(`the index merge's thread stopped (exit code ${code}) before it finished`));
    });
  });
}
