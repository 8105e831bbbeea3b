import { CANONICAL_SEED_FILE, type ReadOptions } from '../feature-files/feature-file.js';
import { readFeatureFile } from '../feature-files/read-feature-file.js';
import { FeatureIndex } from '../index/feature-index.js';
import type { Logger } from '../observability/logger.js';
import type { Storage } from '../storage/storage.js';

/**
 * Loads every stored feature into a new index in one bulk load, batch by batch (no array of all
 * features). The features are counted first, to size the index up front.
 */
export async function loadIndex(storage: Storage, onCounted?: (count: number) => void | Promise<void>): Promise<FeatureIndex> {
  const index = new FeatureIndex();
  const count = await storage.countFeatures();
  await onCounted?.(count);
  await index.loadBatches(storage.scanFeatures(), count);
  return index;
}

export interface SeedOptions {
  /** Import this feature file (streamed; its format from the extension) at start (duplicates skipped). */
  readonly seedFile?: string;
  /** How to read `seedFile` (not the canonical file): its columns, and whether to skip invalid records. */
  readonly seedRead?: ReadOptions;
  /** Do not seed an empty storage from the canonical file. */
  readonly empty?: boolean;
  readonly log: Logger;
  /** Told the file's name before an import starts. */
  readonly onSeeding?: (file: string) => void;
}

/**
 * Seeds from `seedFile`, or from the canonical file when storage is empty (unless `empty`). Whether
 * it is empty is asked with hasFeatures, not counted: a count reads every feature.
 */
export async function seedIfAsked(storage: Storage, options: SeedOptions): Promise<void> {
  let file = options.seedFile;
  let read = options.seedRead;
  if (file === undefined) {
    if (options.empty || (await storage.hasFeatures())) return;
    file = CANONICAL_SEED_FILE;
    read = undefined;
  }
  const opened = readFeatureFile(file, undefined, read);
  options.onSeeding?.(file);
  try {
    const summary = await storage.insertFeatures(opened.features);
    const skipped = opened.skipped();
    if (skipped.count > 0) options.log.warn({ file, skipped: skipped.count, examples: skipped.examples }, 'skipped invalid records');
    options.log.info({ file, ...summary, ...(skipped.count > 0 ? { invalidSkipped: skipped.count } : {}) }, 'seeded features');
  } finally {
    opened.close();
  }
}
