import cluster from 'node:cluster';
import type { Logger } from '../../observability/logger.js';
import { startApp, type RunningApp, type StartOptions } from '../start-app.js';
import { isStopWorker, type WorkerReady } from './messages.js';

export interface ClusterWorker {
  readonly running: RunningApp;
  /** This worker's logger: every line carries `worker` (its cluster id) and `pid`. */
  readonly log: Logger;
  /**
   * Tells the primary this worker serves. Call it once the stop handlers are in: the primary may
   * print `listening on` at once, and a script may signal as soon as it reads that.
   */
  announceReady(): void;
  /** Lets the process exit once its server has stopped: closes the channel to the primary. */
  disconnect(): void;
}

/**
 * One worker of `serve --workers N`, in a process node:cluster forked: the same start-up as a single
 * server, except that the primary has already migrated and seeded the storage (so this one seeds
 * nothing), and that its metrics go to the primary's scrape instead of a port of its own. A stop message from the primary calls `onStop`; one that arrives while
 * the worker is still starting ends it at once, as a stop signal ends a starting server.
 */
export async function startClusterWorker(options: StartOptions & { readonly collectMetrics: boolean }, onStop: () => void): Promise<ClusterWorker> {
  const worker = cluster.worker;
  if (worker === undefined) throw new Error('startClusterWorker runs in a node:cluster worker only');
  const log = options.log.child({ worker: worker.id, pid: process.pid });
  let running: RunningApp | undefined;
  process.on('message', (message: unknown) => {
    if (!isStopWorker(message)) return;
    if (running === undefined) process.exit(0);
    onStop();
  });
  // prom-client is loaded only when metrics are collected (see startApp).
  const clusterMetrics = options.collectMetrics ? await import('../../observability/cluster-metrics.js') : undefined;
  try {
    running = await startApp({
      ...options,
      log,
      seedFile: undefined,
      empty: true,
      // The primary checked the index file's checksums before forking.
      verifyIndexChecksums: false,
      metricsPort: undefined,
      exportMetrics: clusterMetrics
        ? (registry) => clusterMetrics.answerMetricsRequests(registry, (error) => log.error({ err: error }, 'cannot answer the metrics scrape'))
        : undefined,
    });
  } catch (error) {
    // The channel to the primary would keep this process alive after its one-line error.
    worker.disconnect();
    throw error;
  }
  const ready: WorkerReady = { type: 'routeguide:ready', port: running.port };
  return {
    running,
    log,
    announceReady: () =>
      process.send?.(ready, undefined, {}, (error) => {
        // The primary is gone: node:cluster ends this worker when the channel closes.
        if (error) log.warn({ err: error }, 'cannot tell the primary this worker serves');
      }),
    disconnect: () => worker.disconnect(),
  };
}
