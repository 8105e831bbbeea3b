import { FeatureIndex } from '../index/feature-index.js';
import { readFeatureFile } from '../import/feature-file.js';
import { CANONICAL_SEED_FILE } from '../import/read-seed-file.js';
import { openStorage } from '../storage/open-storage.js';
import type { Storage } from '../storage/storage.js';
import type { Logger } from './logger.js';
import { createRouteGuide } from './route-guide.js';
import { listenGrpc, type ListeningServer } from './server.js';

export interface StartOptions {
  readonly storageUrl: string;
  /** Create the database's directory if missing (only for the default storage URL). */
  readonly createStorageDirectory?: boolean;
  readonly synchronous?: 'normal' | 'full';
  readonly host: string;
  readonly port: number;
  /** Import this file (.json, .geojson or .csv, streamed) at start (duplicates skipped). */
  readonly seedFile?: string;
  /** Do not seed an empty storage from the canonical file. */
  readonly empty?: boolean;
  readonly replayLimit: number;
  readonly log: Logger;
}

export interface RunningRouteGuide {
  readonly host: string;
  readonly port: number;
  readonly storage: Storage;
  readonly index: FeatureIndex;
  readonly server: ListeningServer;
  /** Graceful stop: see ListeningServer.shutdown; then closes storage. */
  stop(graceMs: number): Promise<void>;
}

/** Loads every stored feature into a new index in one bulk load, batch by batch (no array of all features). */
export async function loadIndex(storage: Storage): Promise<FeatureIndex> {
  const index = new FeatureIndex();
  await index.loadBatches(storage.scanFeatures(), await storage.countFeatures());
  return index;
}

async function seedIfAsked(storage: Storage, options: StartOptions): Promise<void> {
  const { log } = options;
  let file = options.seedFile;
  if (file === undefined) {
    if (options.empty || (await storage.countFeatures()) > 0) return;
    file = CANONICAL_SEED_FILE;
  }
  const summary = await storage.insertFeatures(readFeatureFile(file).features);
  log.info({ file, ...summary }, 'seeded features');
}

/** Opens storage, seeds it if asked or empty, loads the index and starts serving. */
export async function startRouteGuide(options: StartOptions): Promise<RunningRouteGuide> {
  const { log } = options;
  const storage = openStorage(options.storageUrl, {
    createDirectory: options.createStorageDirectory,
    synchronous: options.synchronous,
    onMigrated: (names) => {
      if (names.length > 0) log.info({ migrations: names }, 'applied migrations');
    },
  });
  try {
    await seedIfAsked(storage, options);
    const startedLoading = Date.now();
    const index = await loadIndex(storage);
    log.info({ features: index.size, ms: Date.now() - startedLoading }, 'index loaded');
    const guide = createRouteGuide({ index, storage, replayLimit: options.replayLimit });
    const server = await listenGrpc({ guide, log, host: options.host, port: options.port });
    return {
      host: options.host,
      port: server.port,
      storage,
      index,
      server,
      async stop(graceMs) {
        await server.shutdown(graceMs);
        await storage.close();
      },
    };
  } catch (error) {
    await storage.close();
    throw error;
  }
}
