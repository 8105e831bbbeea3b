import type { ServerTls } from '../common/tls.js';
import type { ReadOptions } from '../feature-files/feature-file.js';
import type { ServerLimits } from '../transport/limits.js';
import type { ListeningServer } from '../grpc/server.js';
import type { FeatureIndex } from '../index/feature-index.js';
import type { ListeningHttpServer } from '../http/server.js';
import type { CorsOrigins } from '../http/cors.js';
import type { Logger } from '../observability/logger.js';
import type { MetricsServer } from '../observability/metrics-server.js';
import type { ServiceMetrics } from '../observability/metrics.js';
import { createPendingRouteGuide } from '../service/pending-route-guide.js';
import { readStorageUrl, type StorageUrl } from '../storage/open-storage.js';
import type { Storage } from '../storage/storage.js';
import type { Registry } from 'prom-client';
import type { AccessStartOptions } from './access-settings.js';
import { dataPhase } from './data-phase.js';
import { listenPhase } from './listen-phase.js';
import type { NoteRetention } from './note-retention.js';
import { openInOrder } from './opened.js';
import { servePhase } from './serve-phase.js';

export interface StartOptions {
  readonly storageUrl: string;
  /** Connections a PostgreSQL storage may hold (default 10). */
  readonly storagePoolSize?: number;
  /** Give up when PostgreSQL cannot be reached at start for this long; omitted: keep trying. */
  readonly storageConnectTimeoutMs?: number;
  /** The PostgreSQL password when the URL has none (the CLI passes PGPASSWORD). */
  readonly storagePassword?: string;
  readonly synchronous?: 'normal' | 'full';
  /** Where PostgreSQL's index files live (default ./data/index); SQLite's lies beside its database. */
  readonly indexDir?: string;
  /** Check the index file's section checksums at start (default true; a cluster's workers skip it: their primary checked). */
  readonly verifyIndexChecksums?: boolean;
  readonly host: string;
  readonly port: number;
  /** Import this feature file (streamed; its format from the extension) at start (duplicates skipped). */
  readonly seedFile?: string;
  /** How to read `seedFile`: its columns, and whether to skip invalid records. */
  readonly seedRead?: ReadOptions;
  /** Do not seed an empty storage from the canonical file. */
  readonly empty?: boolean;
  readonly replayLimit: number;
  /** Notes a WatchNotes reader may fall behind (default 10000). */
  readonly watchBuffer?: number;
  readonly log: Logger;
  /** TLS or mTLS; plaintext when omitted. */
  readonly tls?: ServerTls;
  readonly limits?: Partial<ServerLimits>;
  /** Who may call and how much (the auth file, anonymous access, quotas); everyone may do everything when omitted. */
  readonly access?: AccessStartOptions;
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
  /** The storage URL, read once: `shown` is the form to log. */
  readonly storageUrl: StorageUrl;
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
  /**
   * Graceful stop: see ListeningServer.shutdown; then closes what start-up opened, in reverse order:
   * note retention, the note feed, the index's following, the storage, the metrics server.
   */
  stop(graceMs: number): Promise<void>;
}

/**
 * The composition root, and the only one: starts a server in three phases, each of which opens
 * what it needs and returns it with its closer. Listen binds the gRPC port (and the HTTP and metrics
 * ports), so that a port in use is reported at once; meanwhile health answers NOT_SERVING and
 * RouteGuide calls UNAVAILABLE, saying what is loading. Open data opens storage, seeds it if asked or
 * empty, loads the index and follows the storage's imports. Serve builds RouteGuide over them, starts
 * note retention and reports SERVING. A phase that fails closes what the phases before it opened, in
 * reverse order; so does stop(), after the graceful part of the shutdown.
 */
export async function startApp(options: StartOptions): Promise<RunningApp> {
  // Read before anything opens: a bad URL is reported before any port is bound.
  const storageUrl = readStorageUrl(options.storageUrl);
  const collectMetrics = options.metricsPort !== undefined || options.exportMetrics !== undefined;
  // prom-client and the metrics are loaded only when asked for: about 55 ms of CPU at every start otherwise.
  const metrics: ServiceMetrics | undefined = collectMetrics
    ? (await import('../observability/metrics.js')).createServiceMetrics()
    : undefined;
  if (metrics) options.exportMetrics?.(metrics.registry);
  const pending = createPendingRouteGuide();
  let storageUp = true;
  let serving = false;
  const started = await openInOrder(async (keep) => {
    const ports = keep(await listenPhase(options, pending, metrics));
    const { grpc, http } = ports;
    const data = keep(
      await dataPhase(options, {
        storageUrl,
        pending,
        metrics,
        onAvailability(available) {
          storageUp = available;
          // Before SERVING, start-up itself reports NOT_SERVING; from then on, the calls that need storage follow it.
          if (serving) grpc.health.setStorageServices(available ? 'SERVING' : 'NOT_SERVING');
        },
        onLoading: () => options.onLoading?.(grpc.port, http?.port),
      }),
    );
    const { storage, index } = data;
    const service = keep(await servePhase({ ...options, storage, index, pending, metrics }));
    metrics?.setSources({
      featuresIndexed: () => index.size,
      streamsOpen: () => grpc.openStreams() + (http?.openStreams() ?? 0),
      storageUp: () => (storageUp ? 1 : 0),
    });
    return { ports, storage, index, retention: service.retention };
  });
  const { ports, storage, index, retention } = started;
  const { grpc, http, metricsServer } = ports;
  grpc.health.set('SERVING');
  serving = true;
  if (!storageUp) grpc.health.setStorageServices('NOT_SERVING');
  return {
    host: options.host,
    port: grpc.port,
    storageUrl,
    storage,
    index,
    server: grpc,
    http,
    metricsPort: metricsServer?.port,
    metricsServer,
    retention,
    async stop(graceMs) {
      await ports.drain(graceMs);
      await started.close();
    },
  };
}
