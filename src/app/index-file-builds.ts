import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { acquireFileLock, removeStaleTemporaries, type FileLock } from '../common/replace-file.js';
import { copyPacked } from '../index/index-merge.js';
import { IndexFileRejected, openIndexFile, writeIndexFile, type IndexFileHeader, type IndexFileOrigin, type OpenedIndexFile } from '../index/index-file.js';
import type { ImportedRows } from '../storage/open-storage.js';
import type { Storage } from '../storage/storage.js';

/** How often a process waiting for another's index build looks again. */
const LOCK_POLL_MS = 250;

/** What the header must say for a file to describe this storage as it is: why not, or undefined. */
export async function staleReason(header: IndexFileHeader, storage: Storage): Promise<string | undefined> {
  const identity = await storage.identity();
  if (header.identity !== identity) return 'it was built from another database';
  const last = await storage.lastImportPosition();
  if (header.overlapThrough > last) {
    return `it is ahead of its storage (it holds imports through feed position ${header.overlapThrough}, the storage only through ${last})`;
  }
  if (header.overlapThrough > 0 && (await storage.importToken(header.overlapThrough)) !== header.importToken) {
    return `it was built from another copy of this database (the import at feed position ${header.overlapThrough} differs)`;
  }
  return undefined;
}

/** The origin of a file that holds the storage as it is now, through feed position `position`. */
export async function originAt(storage: Storage, feedPosition: number, overlapThrough: number): Promise<IndexFileOrigin> {
  const importToken = overlapThrough === 0 ? '' : ((await storage.importToken(overlapThrough)) ?? '');
  return { identity: await storage.identity(), feedPosition, overlapThrough, importToken };
}

/**
 * Writes the index file anew from every stored feature. The feed position is read on both sides of
 * the scan: imports up to the later one may be in the file, and catch-up starts at the earlier one.
 */
export function buildIndexFile(storage: Storage, path: string): Promise<IndexFileHeader> {
  return writeIndexFile(path, async (builder) => {
    const feedPosition = await storage.lastImportPosition();
    for await (const batch of storage.scanFeatures()) {
      for (const feature of batch) builder.add(feature.latitude, feature.longitude, feature.name);
    }
    return originAt(storage, feedPosition, await storage.lastImportPosition());
  });
}

/**
 * Takes the lock that lets one process at a time write the index file at `path` (creating its
 * directory), waiting while another live process holds it, and removes what writers killed half-way
 * left behind. `waited` says whether another process held it meanwhile (it may have written the file).
 */
export async function lockIndexFile(path: string): Promise<{ lock: FileLock; waited: boolean }> {
  await mkdir(dirname(path), { recursive: true });
  let waited = false;
  for (;;) {
    const lock = await acquireFileLock(`${path}.lock`);
    if (lock) {
      await removeStaleTemporaries(path);
      return { lock, waited };
    }
    waited = true;
    await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
  }
}

/**
 * A new file from an old one and the imports committed since it was written: the old file's
 * features are copied as they are (no rebuild from storage), and each later import's features are
 * added unless the old file already holds their point (imports through its overlap may be in it).
 */
export function mergeImportsIntoIndexFile(storage: Storage, path: string, old: OpenedIndexFile): Promise<IndexFileHeader> {
  return writeIndexFile(path, async (builder) => {
    const base = old.features;
    copyPacked(base, builder);
    // Imports commit in feed order: once none follows `position`, the file holds the storage as of it.
    let position = old.header.feedPosition;
    for (;;) {
      const imports = await storage.importsAfter(position, 100);
      if (imports.length === 0) break;
      for (const committed of imports) {
        for await (const batch of storage.scanImport(committed.position)) {
          for (const feature of batch) {
            if (base.find(feature.latitude, feature.longitude) === -1) builder.add(feature.latitude, feature.longitude, feature.name);
          }
        }
        position = committed.position;
      }
    }
    return originAt(storage, position, position);
  });
}

/**
 * Writes the index file at `path` from an import's own rows (in key order), when they are every
 * feature the storage holds: it held none at feed position `emptyAt`, the import committed at the
 * next position (imports into one database run one at a time: no other came between), and it stored
 * every row (`inserted`). That saves reading the database back, about a quarter of a 1M-feature seed.
 * Resolves with the new header, or undefined when the rows may not be the storage's features.
 */
export async function writeImportedIndexFile(
  storage: Storage,
  path: string,
  rows: ImportedRows,
  imported: { readonly emptyAt: number; readonly inserted: number },
): Promise<IndexFileHeader | undefined> {
  const position = await storage.lastImportPosition();
  if (position !== imported.emptyAt + 1 || imported.inserted !== rows.count) return undefined;
  const { lock } = await lockIndexFile(path);
  try {
    return await writeIndexFile(path, async (builder) => {
      rows.forEach((latitude, longitude, name) => builder.add(latitude, longitude, name));
      // Later imports, if any committed meanwhile, are caught up from `position` as after any build.
      return originAt(storage, position, position);
    });
  } finally {
    await lock.release();
  }
}

/**
 * Brings the index file at `path` up to date with the storage after an import (`routeguide seed`):
 * merges the imports into a current file, or builds the file anew when there is none that can be
 * trusted. Under the file's lock. Resolves with the new header and whether it was merged.
 */
export async function updateIndexFile(storage: Storage, path: string): Promise<{ header: IndexFileHeader; merged: boolean }> {
  const { lock } = await lockIndexFile(path);
  try {
    let old: OpenedIndexFile | undefined;
    try {
      old = openIndexFile(path, { verifyChecksums: true });
      if ((await staleReason(old.header, storage)) !== undefined) old = undefined;
    } catch (error) {
      if (!(error instanceof IndexFileRejected)) throw error;
    }
    if (old) return { header: await mergeImportsIntoIndexFile(storage, path, old), merged: true };
    return { header: await buildIndexFile(storage, path), merged: false };
  } finally {
    await lock.release();
  }
}
