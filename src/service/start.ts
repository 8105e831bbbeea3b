import type { ServerCredentials } from '@grpc/grpc-js';
import { FeatureIndex } from '../index/feature-index.js';
import { readFeatureFile } from '../import/feature-file.js';
import { CANONICAL_SEED_FILE } from '../import/read-seed-file.js';
import { countNoteWrites } from '../metrics/count-note-writes.js';
import { listenMetrics, type MetricsServer } from '../metrics/metrics-server.js';
import { createServiceMetrics, type ServiceMetrics } from '../metrics/metrics.js';
import { openStorage } from '../storage/open-storage.js';
import type { Storage } from '../storage/storage.js';
import { logCalls } from './call-log.js';
import { DEFAULT_LIMITS, limitChannelOptions, type ServerLimits } from './limits.js';
import type { Logger } from './logger.js';
import { startNoteRetention, type NoteRetention } from './note-retention.js';
import { observeCalls, type CallObserver } from './observe-calls.js';
import { createRouteGuide } from './route-guide.js';
import { listenGrpc, type ListeningServer } from './server.js';
import { streamIdleTimeout } from './stream-idle-timeout.js';

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
  /** TLS or mTLS; plaintext when omitted. */
  readonly credentials?: ServerCredentials;
  readonly limits?: Partial<ServerLimits>;
  /** End streams that make no progress for this long; 0 or omitted: never. */
  readonly streamIdleTimeoutMs?: number;
  /** Delete notes older than this in the background; omitted: keep forever. */
  readonly notesMaxAgeMs?: number;
  /** Serve Prometheus metrics on this port (0 picks a free one); omitted: no metrics. */
  readonly metricsPort?: number;
  /** Where the metrics listen; the gRPC host when omitted. */
  readonly metricsHost?: string;
}

export interface RunningRouteGuide {
  readonly host: string;
  readonly port: number;
  readonly storage: Storage;
  readonly index: FeatureIndex;
  readonly server: ListeningServer;
  /** The metrics port, when metrics are served. */
  readonly metricsPort?: number;
  /** Background note pruning, when --notes-max-age is set. */
  readonly retention?: NoteRetention;
  /** Graceful stop: see ListeningServer.shutdown; then stops pruning, closes storage and the metrics server. */
  stop(graceMs: number): Promise<void>;
}

/**
 * Loads every stored feature into a new index in one bulk load, batch by batch (no array of all
 * features). `expected` sizes the index up front; it is counted when not given.
 */
export async function loadIndex(storage: Storage, expected?: number): Promise<FeatureIndex> {
  const index = new FeatureIndex();
  await index.loadBatches(storage.scanFeatures(), expected ?? (await storage.countFeatures()));
  return index;
}

/**
 * Seeds from --seed, or from the canonical file when storage is empty (unless --empty). Resolves
 * with the number of stored features when nothing was seeded, so start-up counts them only once.
 */
async function seedIfAsked(storage: Storage, options: StartOptions): Promise<number | undefined> {
  const { log } = options;
  let file = options.seedFile;
  if (file === undefined) {
    const stored = await storage.countFeatures();
    if (options.empty || stored > 0) return stored;
    file = CANONICAL_SEED_FILE;
  }
  const summary = await storage.insertFeatures(readFeatureFile(file).features);
  log.info({ file, ...summary }, 'seeded features');
  return undefined;
}

function isRouteGuideCall(path: string): boolean {
  return path.startsWith('/routeguide.RouteGuide/');
}

/** Opens storage, seeds it if asked or empty, loads the index, starts serving and reports SERVING. */
export async function startRouteGuide(options: StartOptions): Promise<RunningRouteGuide> {
  const { log } = options;
  const metrics: ServiceMetrics | undefined = options.metricsPort === undefined ? undefined : createServiceMetrics();
  const opened = openStorage(options.storageUrl, {
    createDirectory: options.createStorageDirectory,
    synchronous: options.synchronous,
    onMigrated: (names) => {
      if (names.length > 0) log.info({ migrations: names }, 'applied migrations');
    },
    onAbandonedImport: (removed) => log.warn({ import: removed }, 'removed the features of an unfinished import'),
  });
  const storage = metrics ? countNoteWrites(opened, metrics.noteStored) : opened;
  let server: ListeningServer | undefined;
  let metricsServer: MetricsServer | undefined;
  let retention: NoteRetention | undefined;
  try {
    log.info({ storage: options.storageUrl }, 'storage open');
    const stored = await seedIfAsked(storage, options);
    const startedLoading = Date.now();
    const index = await loadIndex(storage, stored);
    log.info({ features: index.size, ms: Date.now() - startedLoading }, 'index loaded');
    const guide = createRouteGuide({ index, storage, replayLimit: options.replayLimit });
    const idleMs = options.streamIdleTimeoutMs ?? 0;
    const observers: CallObserver[] = [logCalls(log), ...(metrics ? [metrics.observer] : [])];
    server = await listenGrpc({
      guide,
      log,
      host: options.host,
      port: options.port,
      credentials: options.credentials,
      channelOptions: limitChannelOptions({ ...DEFAULT_LIMITS, ...options.limits }),
      // The idle timeout is outermost, so the status it sends is logged and counted.
      interceptors: [
        observeCalls(observers),
        ...(idleMs > 0 ? [streamIdleTimeout(idleMs, isRouteGuideCall)] : []),
      ],
    });
    if (options.notesMaxAgeMs !== undefined) {
      retention = startNoteRetention({ storage, maxAgeMs: options.notesMaxAgeMs, log, onPruned: metrics?.notesPruned });
    }
    if (metrics) {
      metrics.setSources({ featuresIndexed: () => index.size, streamsOpen: server.openStreams });
      metricsServer = await listenMetrics(metrics.registry, options.metricsHost ?? options.host, options.metricsPort!);
      log.info({ port: metricsServer.port }, 'metrics at /metrics');
    }
    server.health.set('SERVING');
    const listening = server;
    return {
      host: options.host,
      port: server.port,
      storage,
      index,
      server,
      metricsPort: metricsServer?.port,
      retention,
      async stop(graceMs) {
        await listening.shutdown(graceMs);
        await retention?.stop();
        await storage.close();
        log.info('storage closed');
        await metricsServer?.close();
      },
    };
  } catch (error) {
    server?.server.forceShutdown();
    await retention?.stop();
    await metricsServer?.close();
    await storage.close();
    throw error;
  }
}
