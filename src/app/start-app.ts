import type { ServerTls } from '../common/tls.js';
import { DEFAULT_LIMITS, limitChannelOptions, type ServerLimits } from '../grpc/limits.js';
import { observeCalls } from '../grpc/observe-calls.js';
import { listenGrpc, type ListeningServer } from '../grpc/server.js';
import { isIdleTimedCall } from '../grpc/extensions-definition.js';
import { streamIdleTimeout } from '../grpc/stream-idle-timeout.js';
import type { FeatureIndex } from '../index/feature-index.js';
import type { ListeningHttpServer } from '../http/server.js';
import type { CorsOrigins } from '../http/cors.js';
import { logCalls } from '../observability/call-log.js';
import type { CallObserver } from '../observability/call-observer.js';
import { countNoteWrites } from '../storage/count-note-writes.js';
import type { Logger } from '../observability/logger.js';
import { listenMetrics, type MetricsServer } from '../observability/metrics-server.js';
import type { ServiceMetrics } from '../observability/metrics.js';
import { createPendingRouteGuide } from '../service/pending-route-guide.js';
import { createRouteGuideExtensions } from '../service/extensions.js';
import { createNoteFeed } from '../service/note-feed.js';
import { createNearestFeatures } from '../service/nearest-features.js';
import { createRouteGuide } from '../service/route-guide.js';
import { redactStorageUrl } from '../storage/open-storage.js';
import type { Storage } from '../storage/storage.js';
import type { Registry } from 'prom-client';
import { openAppStorage } from './app-storage.js';
import { followImports, type ImportFollower } from './follow-imports.js';
import { loadIndex, seedIfAsked } from './load-features.js';
import { startNoteRetention, type NoteRetention } from './note-retention.js';

/**
 * Features per ExportFeatures message when the request leaves batch_size 0. Measured streaming 1M
 * features to a decoding client on 2 cores: 256 cost the server about 25% more CPU than 1024; from
 * 1024 to 16384 throughput was flat within noise (1.2-1.45M features/s), and 65536 was a third
 * slower. 2048 (about 100 KB a message) is on that plateau, and a reader that stops holds 16 queued
 * messages, about 1.6 MiB, where 8192 would hold four times as much.
 */
const DEFAULT_EXPORT_BATCH_SIZE = 2048;
/** Notes a WatchNotes reader may fall behind, unless --watch-buffer says otherwise. */
const DEFAULT_WATCH_BUFFER = 10_000;

export interface StartOptions {
  readonly storageUrl: string;
  /** Connections a PostgreSQL storage may hold (default 10). */
  readonly storagePoolSize?: number;
  /** Give up when PostgreSQL cannot be reached at start for this long; omitted: keep trying. */
  readonly storageConnectTimeoutMs?: number;
  /** The PostgreSQL password when the URL has none (the CLI passes PGPASSWORD). */
  readonly storagePassword?: string;
  readonly synchronous?: 'normal' | 'full';
  readonly host: string;
  readonly port: number;
  /** Import this file (.json, .geojson or .csv, streamed) at start (duplicates skipped). */
  readonly seedFile?: string;
  /** Do not seed an empty storage from the canonical file. */
  readonly empty?: boolean;
  readonly replayLimit: number;
  /** Notes a WatchNotes reader may fall behind (default 10000). */
  readonly watchBuffer?: number;
  readonly log: Logger;
  /** TLS or mTLS; plaintext when omitted. */
  readonly tls?: ServerTls;
  readonly limits?: Partial<ServerLimits>;
  /** End streams that make no progress for this long; 0 or omitted: never. */
  readonly streamIdleTimeoutMs?: number;
  /** Delete notes older than this in the background; omitted: keep forever. */
  readonly notesMaxAgeMs?: number;
  /** Serve Prometheus metrics on this port (0 picks a free one); omitted: no metrics. */
  readonly metricsPort?: number;
  /** Where the metrics listen; the gRPC host when omitted. */
  readonly metricsHost?: string;
  /** Serve Connect, gRPC-Web, /healthz and the map over HTTP; omitted: no HTTP port. */
  readonly http?: HttpOptions;
  /**
   * Collect metrics, but hand the registry to this instead of serving it (a cluster worker: its
   * primary serves one scrape for all). Called at once, before the ports are bound.
   */
  readonly exportMetrics?: (registry: Registry) => void;
  /**
   * Called with the gRPC port (and the HTTP port, when served) once the ports are bound and the
   * stored features counted, just before the index loads
   * (start-up waits for it). Meanwhile health is NOT_SERVING and RouteGuide calls are UNAVAILABLE.
   */
  readonly onLoading?: (port: number, httpPort?: number) => void | Promise<void>;
}

export interface HttpOptions {
  /** 0 picks a free port. */
  readonly port: number;
  /** The gRPC host when omitted. */
  readonly host?: string;
  /** Other origins browsers may call from; same origin only when omitted. */
  readonly corsOrigins?: CorsOrigins;
  /** The map's files; the package's dist/web when omitted. */
  readonly webRoot?: string;
}

export interface RunningApp {
  readonly host: string;
  readonly port: number;
  readonly storage: Storage;
  readonly index: FeatureIndex;
  readonly server: ListeningServer;
  /** The HTTP server (Connect, gRPC-Web, the map), when asked for. */
  readonly http?: ListeningHttpServer;
  /** The metrics port, when metrics are served. */
  readonly metricsPort?: number;
  /** The metrics server, when metrics are served. */
  readonly metricsServer?: MetricsServer;
  /** Background note pruning, when --notes-max-age is set. */
  readonly retention?: NoteRetention;
  /** Graceful stop: see ListeningServer.shutdown; then stops pruning, closes storage and the metrics server. */
  stop(graceMs: number): Promise<void>;
}

/**
 * The composition root, and the only one: opens storage, binds the gRPC port (and the metrics port),
 * seeds the storage if asked or empty, loads the index, starts note retention, reports SERVING, and
 * owns the shutdown sequence. Ports are bound before the data loads, so a port in use is reported at
 * once; meanwhile health answers NOT_SERVING and RouteGuide calls UNAVAILABLE, saying what is loading.
 */
export async function startApp(options: StartOptions): Promise<RunningApp> {
  const { log } = options;
  const collectMetrics = options.metricsPort !== undefined || options.exportMetrics !== undefined;
  // prom-client and the metrics are loaded only when asked for: about 55 ms of CPU at every start otherwise.
  const metrics: ServiceMetrics | undefined = collectMetrics
    ? (await import('../observability/metrics.js')).createServiceMetrics()
    : undefined;
  if (metrics) options.exportMetrics?.(metrics.registry);
  let server: ListeningServer | undefined;
  let http: ListeningHttpServer | undefined;
  let metricsServer: MetricsServer | undefined;
  let storage: Storage | undefined;
  let retention: NoteRetention | undefined;
  let follower: ImportFollower | undefined;
  let storageUp = true;
  let serving = false;
  try {
    // The ports first: a port in use stops start-up before any file is created or anything loads.
    const pending = createPendingRouteGuide();
    const idleMs = options.streamIdleTimeoutMs ?? 0;
    const observers: CallObserver[] = [logCalls(log), ...(metrics ? [metrics.observer] : [])];
    const limits = { ...DEFAULT_LIMITS, ...options.limits };
    server = await listenGrpc({
      guide: pending.guide,
      extensions: {
        logic: pending.extensions,
        options: { defaultBatchSize: DEFAULT_EXPORT_BATCH_SIZE, maxMessageBytes: limits.maxMessageBytes },
      },
      log,
      host: options.host,
      port: options.port,
      tls: options.tls,
      channelOptions: limitChannelOptions(limits),
      // The idle timeout is outermost, so the status it sends is logged and counted.
      interceptors: [observeCalls(observers), ...(idleMs > 0 ? [streamIdleTimeout(idleMs, isIdleTimedCall)] : [])],
    });
    if (options.http) {
      // Loaded only when asked for: every CLI command imports this module, and connect-es's stack
      // adds about a third to the gRPC stack's import time.
      const { listenHttp } = await import('../http/server.js');
      http = await listenHttp({
        guide: pending.guide,
        extensions: pending.extensions,
        batching: { defaultBatchSize: DEFAULT_EXPORT_BATCH_SIZE, maxMessageBytes: limits.maxMessageBytes },
        log,
        health: server.health,
        host: options.http.host ?? options.host,
        port: options.http.port,
        grpcPort: server.port,
        tls: options.tls,
        maxMessageBytes: limits.maxMessageBytes,
        maxConcurrentStreams: limits.maxConcurrentStreams,
        corsOrigins: options.http.corsOrigins,
        observers,
        webRoot: options.http.webRoot,
      });
    }
    if (metrics && options.metricsPort !== undefined) {
      metricsServer = await listenMetrics(metrics.registry, options.metricsHost ?? options.host, options.metricsPort, (error) =>
        log.error({ err: error }, 'metrics server error'),
      );
      log.info({ port: metricsServer.port }, 'metrics at /metrics');
    }
    const shownUrl = redactStorageUrl(options.storageUrl);
    pending.setStatus('starting: opening storage');
    const opened = await openAppStorage(options.storageUrl, {
      synchronous: options.synchronous,
      poolSize: options.storagePoolSize,
      connectTimeoutMs: options.storageConnectTimeoutMs,
      password: options.storagePassword,
      onConnectRetry: (retry) => {
        pending.setStatus(`starting: waiting for storage (${retry.reason})`);
        log.warn({ storage: shownUrl, attempt: retry.attempt, retryInMs: retry.delayMs, reason: retry.reason }, 'storage not reachable; retrying');
      },
      onPoolError: (error) => log.warn({ storage: shownUrl, reason: error.message }, 'storage connection lost; the next call reconnects'),
      onAvailability: (available, reason) => {
        storageUp = available;
        if (available) log.info({ storage: shownUrl }, 'storage available again');
        else log.warn({ storage: shownUrl, reason }, 'storage unavailable');
        // Before SERVING, start-up itself reports NOT_SERVING; from then on, the calls that need storage follow it.
        if (serving) server?.health.setStorageServices(available ? 'SERVING' : 'NOT_SERVING');
      },
      onMigrated: (names) => {
        if (names.length > 0) log.info({ migrations: names }, 'applied migrations');
      },
      onAbandonedImport: (removed) => log.warn({ import: removed }, 'removed the features of an unfinished import'),
      onChangePollError: (error) => log.error({ err: error }, 'cannot poll the database for changes by other processes'),
      onChangeListenError: (error) =>
        log.warn({ storage: shownUrl, reason: error.message }, 'cannot listen for changes by other servers; retrying'),
      onChangeListenRestored: (afterMs) =>
        log.info({ storage: shownUrl, afterMs }, 'listening for changes by other servers again; catching up'),
    });
    const open = metrics ? countNoteWrites(opened, metrics.notesStored) : opened;
    storage = open;
    log.info({ storage: shownUrl }, 'storage open');
    const stored = await seedIfAsked(open, { ...options, onSeeding: (file) => pending.setStatus(`starting: seeding features from ${file}`) });
    const startedLoading = Date.now();
    const listening = server;
    // The import feed's position on both sides of the scan: the index follows the feed from there.
    const importsBefore = await open.lastImportPosition();
    const index = await loadIndex(open, stored, async (count) => {
      pending.setStatus(`starting: loading ${count} features`);
      await options.onLoading?.(listening.port, http?.port);
    });
    log.info({ features: index.size, ms: Date.now() - startedLoading }, 'index loaded');
    follower = followImports({ storage: open, index, from: importsBefore, overlapThrough: await open.lastImportPosition(), log });
    const following = follower;
    // Notes are stored through the feed, so that every note stored wakes the watches.
    const feed = createNoteFeed({
      storage: open,
      watchBuffer: options.watchBuffer ?? DEFAULT_WATCH_BUFFER,
      onReadError: (error, after) =>
        log.error({ err: error, after }, 'cannot read the note feed for WatchNotes; reading it again at the next note or change'),
    });
    const guide = createRouteGuide({ index, storage: feed.storage, replayLimit: options.replayLimit });
    const extensions = createRouteGuideExtensions({
      guide,
      nearestFeatures: createNearestFeatures(index),
      watchNotes: (rectangle, context) => feed.watch(rectangle, context),
    });
    pending.ready(guide, extensions);
    if (options.notesMaxAgeMs !== undefined) {
      retention = startNoteRetention({ storage: open, maxAgeMs: options.notesMaxAgeMs, log, onPruned: metrics?.notesPruned });
    }
    const listeningHttp = http;
    metrics?.setSources({
      featuresIndexed: () => index.size,
      streamsOpen: () => listening.openStreams() + (listeningHttp?.openStreams() ?? 0),
      storageUp: () => (storageUp ? 1 : 0),
    });
    server.health.set('SERVING');
    serving = true;
    if (!storageUp) server.health.setStorageServices('NOT_SERVING');
    return {
      host: options.host,
      port: server.port,
      storage: open,
      index,
      server,
      http,
      metricsPort: metricsServer?.port,
      metricsServer,
      retention,
      async stop(graceMs) {
        await Promise.all([listening.shutdown(graceMs), listeningHttp?.shutdown(graceMs)]);
        await following.stop();
        await feed.close();
        await retention?.stop();
        await open.close();
        log.info('storage closed');
        await metricsServer?.close();
      },
    };
  } catch (error) {
    server?.server.forceShutdown();
    http?.destroy();
    await follower?.stop();
    await retention?.stop();
    await metricsServer?.close();
    await storage?.close();
    throw error;
  }
}
