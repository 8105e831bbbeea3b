import type { FeatureIndex } from '../index/feature-index.js';
import { countNoteWrites } from '../storage/count-note-writes.js';
import type { ServiceMetrics } from '../observability/metrics.js';
import type { PendingRouteGuide } from '../service/pending-route-guide.js';
import type { Storage } from '../storage/storage.js';
import type { StorageUrl } from '../storage/storage-url.js';
import { openAppStorage } from './app-storage.js';
import { followImports } from './follow-imports.js';
import { indexFilePath } from './index-file-location.js';
import { seedIfAsked } from './load-features.js';
import { keepIndexFile } from './index-upkeep.js';
import { openIndex } from './open-index.js';
import { openInOrder, type Closable } from './opened.js';
import type { StartOptions } from './start-app.js';

/** The data start-up opened: the storage, and the index that follows its imports. */
export interface Data extends Closable {
  readonly storage: Storage;
  readonly index: FeatureIndex;
}

export interface DataPhaseOptions {
  readonly storageUrl: StorageUrl;
  readonly pending: PendingRouteGuide;
  readonly metrics?: ServiceMetrics;
  /** Told when the storage goes down or comes back (after start-up, too). */
  readonly onAvailability: (available: boolean) => void;
  /** Called once the stored features are counted, just before the index loads (start-up waits for it). */
  readonly onLoading: () => void | Promise<void>;
}

/**
 * The second phase: opens storage, seeds it if asked or empty, loads the index and keeps it
 * following the storage's imports, telling callers of `pending` what it is doing meanwhile.
 * close() stops the following, then closes the storage.
 */
export function dataPhase(options: StartOptions, phase: DataPhaseOptions): Promise<Data> {
  const { log } = options;
  const { pending, metrics } = phase;
  const shown = phase.storageUrl.shown;
  return openInOrder(async (keep) => {
    pending.setStatus('starting: opening storage');
    const opened = await openAppStorage(phase.storageUrl, {
      synchronous: options.synchronous,
      // Checked once the server listens (storage-check.ts): quick_check takes seconds at 10M features.
      quickCheckAtOpen: false,
      poolSize: options.storagePoolSize,
      connectTimeoutMs: options.storageConnectTimeoutMs,
      password: options.storagePassword,
      onConnectRetry: (retry) => {
        pending.setStatus(`starting: waiting for storage (${retry.reason})`);
        log.warn({ storage: shown, attempt: retry.attempt, retryInMs: retry.delayMs, reason: retry.reason }, 'storage not reachable; retrying');
      },
      onPoolError: (error) => log.warn({ storage: shown, reason: error.message }, 'storage connection lost; the next call reconnects'),
      onAvailability: (available, reason) => {
        if (available) log.info({ storage: shown }, 'storage available again');
        else log.warn({ storage: shown, reason }, 'storage unavailable');
        phase.onAvailability(available);
      },
      onMigrated: (names) => {
        if (names.length > 0) log.info({ migrations: names }, 'applied migrations');
      },
      onAbandonedImport: (removed) => log.warn({ import: removed }, 'removed the features of an unfinished import'),
      onChangePollError: (error) => log.error({ err: error }, 'cannot poll the database for changes by other processes'),
      onChangeListenError: (error) =>
        log.warn({ storage: shown, reason: error.message }, 'cannot listen for changes by other servers; retrying'),
      onChangeListenRestored: (afterMs) =>
        log.info({ storage: shown, afterMs }, 'listening for changes by other servers again; catching up'),
    });
    const storage = metrics ? countNoteWrites(opened, metrics.notesStored) : opened;
    keep({
      async close() {
        await storage.close();
        log.info('storage closed');
      },
    });
    log.info({ storage: shown }, 'storage open');
    await seedIfAsked(storage, { ...options, onSeeding: (file) => pending.setStatus(`starting: seeding features from ${file}`) });
    const startedLoading = Date.now();
    const path = indexFilePath(phase.storageUrl.location, await storage.identity(), options.indexDir);
    let told = false;
    const { index, from, overlapThrough, file } = await openIndex(storage, {
      path,
      verifyChecksums: options.verifyIndexChecksums ?? true,
      log,
      onLoading: async (what) => {
        pending.setStatus(`starting: ${what}`);
        if (!told) {
          told = true;
          await phase.onLoading();
        }
      },
    });
    if (!told) await phase.onLoading();
    log.info({ features: index.size, ms: Date.now() - startedLoading, ...(file ? { indexFile: file.path } : {}) }, 'index loaded');
    const upkeep = file ? keepIndexFile({ storage, index, path: file.path, log }) : undefined;
    if (upkeep) keep({ close: () => upkeep.stop() });
    const follower = followImports({ storage, index, from, overlapThrough, log, ...(upkeep ? { onIntake: upkeep.afterIntake } : {}) });
    keep({ close: () => follower.stop() });
    // What committed after the file was written (or during the load) is in before `listening on`.
    await follower.caughtUp;
    return { storage, index };
  });
}
