import { accessControl } from '../grpc/access-control.js';
import { limitChannelOptions } from '../grpc/limits.js';
import { DEFAULT_LIMITS } from '../transport/limits.js';
import { observeCalls } from '../grpc/observe-calls.js';
import { listenGrpc, type ListeningServer } from '../grpc/server.js';
import { isIdleTimedCall } from '../grpc/extensions-definition.js';
import { streamIdleTimeout } from '../grpc/stream-idle-timeout.js';
import type { ListeningHttpServer } from '../http/server.js';
import { logCalls } from '../observability/call-log.js';
import type { CallObserver } from '../observability/call-observer.js';
import { listenMetrics, type MetricsServer } from '../observability/metrics-server.js';
import type { ServiceMetrics } from '../observability/metrics.js';
import { createRefusals } from '../observability/refusals.js';
import type { PendingRouteGuide } from '../service/pending-route-guide.js';
import { openAccess } from './access-rules.js';
import { openInOrder, type Closable } from './opened.js';
import type { StartOptions } from './start-app.js';

/**
 * Features per ExportFeatures message when the request leaves batch_size 0. Measured streaming 1M
 * features to a decoding client on 2 cores: 256 cost the server about 25% more CPU than 1024; from
 * 1024 to 16384 throughput was flat within noise (1.2-1.45M features/s), and 65536 was a third
 * slower. 2048 (about 100 KB a message) is on that plateau, and a reader that stops holds 16 queued
 * messages, about 1.6 MiB, where 8192 would hold four times as much.
 */
const DEFAULT_EXPORT_BATCH_SIZE = 2048;

/** The ports start-up bound: gRPC, and HTTP and metrics when asked for. */
export interface Listening extends Closable {
  readonly grpc: ListeningServer;
  readonly http?: ListeningHttpServer;
  readonly metricsServer?: MetricsServer;
  /** The graceful part of a stop: see ListeningServer.shutdown. close() then closes what is left. */
  drain(graceMs: number): Promise<void>;
}

/**
 * The first phase: binds every port, serving `pending` (which answers UNAVAILABLE until the data is
 * loaded), so that a port in use stops start-up before any file is created or anything loads.
 * close() ends every call and closes every port at once.
 */
export function listenPhase(options: StartOptions, pending: PendingRouteGuide, metrics: ServiceMetrics | undefined): Promise<Listening> {
  const { log } = options;
  const idleMs = options.streamIdleTimeoutMs ?? 0;
  const observers: CallObserver[] = [logCalls(log), ...(metrics ? [metrics.observer] : [])];
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const batching = { defaultBatchSize: DEFAULT_EXPORT_BATCH_SIZE, maxMessageBytes: limits.maxMessageBytes };
  // Refused connections are counted (when metrics are on) and logged at most once a second per reason.
  const refusals = createRefusals(log, metrics?.connectionRefused);
  return openInOrder(async (keep) => {
    // One set of rules and quotas for both ports.
    const { access } = keep(openAccess(options.access, log));
    const grpc = await listenGrpc({
      guide: pending.guide,
      extensions: {
        logic: pending.extensions,
        options: batching,
      },
      log,
      host: options.host,
      port: options.port,
      tls: options.tls,
      channelOptions: limitChannelOptions(limits),
      // The observer is nearest the network: the statuses the access rules and the idle timeout send pass it, and are logged and counted.
      interceptors: [
        observeCalls(observers),
        ...(access ? [accessControl(access)] : []),
        ...(idleMs > 0 ? [streamIdleTimeout(idleMs, isIdleTimedCall)] : []),
      ],
      maxConnections: limits.maxConnections,
      connectionSetupTimeoutMs: limits.connectionSetupTimeoutMs,
      refusals,
    });
    keep({ close: () => grpc.destroy() });
    let http: ListeningHttpServer | undefined;
    if (options.http) {
      // Loaded only when asked for: every CLI command imports this module, and connect-es's stack
      // adds about a third to the gRPC stack's import time.
      const { listenHttp } = await import('../http/server.js');
      http = await listenHttp({
        guide: pending.guide,
        extensions: pending.extensions,
        batching,
        log,
        health: grpc.health,
        host: options.http.host ?? options.host,
        port: options.http.port,
        grpcPort: grpc.port,
        tls: options.tls,
        maxMessageBytes: limits.maxMessageBytes,
        maxConcurrentStreams: limits.maxConcurrentStreams,
        corsOrigins: options.http.corsOrigins,
        observers,
        webRoot: options.http.webRoot,
        access,
        anonymous: options.access?.anonymous ?? 'write',
        maxConnections: limits.httpMaxConnections,
        headersTimeoutMs: limits.httpHeadersTimeoutMs,
        bodyTimeoutMs: limits.httpBodyTimeoutMs,
        refusals,
      });
      const listeningHttp = http;
      keep({ close: () => listeningHttp.destroy() });
    }
    let metricsServer: MetricsServer | undefined;
    if (metrics && options.metricsPort !== undefined) {
      metricsServer = keep(
        await listenMetrics(metrics.registry, options.metricsHost ?? options.host, options.metricsPort, (error) =>
          log.error({ err: error }, 'metrics server error'),
        ),
      );
      log.info({ port: metricsServer.port }, 'metrics at /metrics');
    }
    const drain = async (graceMs: number): Promise<void> => {
      await Promise.all([grpc.shutdown(graceMs), http?.shutdown(graceMs)]);
    };
    return { grpc, http, metricsServer, drain };
  });
}
