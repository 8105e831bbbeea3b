import cluster from 'node:cluster';
import { startCluster } from '../app/cluster/primary.js';
import { startClusterWorker } from '../app/cluster/worker.js';
import type { ServeSettings } from '../app/serve-settings.js';
import { checkStorageAfterListening, STORAGE_CORRUPTED_EXIT_CODE, type StorageCheck } from '../app/storage-check.js';
import type { StartOptions } from '../app/start-app.js';
import { formatHostPort } from '../common/host-port.js';
import type { OtherVariables } from '../common/settings.js';
import type { Logger } from '../observability/logger.js';
import { stopOnRequests, type StopCause } from './stop-requests.js';

/**
 * `routeguide serve --workers N` (N > 1): in the primary, starts the cluster, prints `listening on`
 * once every worker serves and stops them all on a stop signal; in a worker (node:cluster runs this
 * same command there), serves until a stop signal or the primary's stop message. Either way the
 * graceful sequence is one server's, and a second signal exits at once with 1.
 */
export async function serveWorkers(
  command: string,
  argv: readonly string[],
  settings: ServeSettings,
  options: StartOptions,
  { underNpm }: OtherVariables,
): Promise<number> {
  const graceMs = settings['shutdown-grace'];
  if (cluster.isPrimary) {
    const running = await startCluster({ command, workers: settings.workers, start: options, workerArgs: ['serve', ...argv] });
    const address = formatHostPort(running.host, running.port);
    let check: StorageCheck | undefined;
    const { stopped, requestStop } = stopOnRequests(underNpm, options.log, graceMs, async () => {
      const checkStopped = check?.stop();
      const clean = await running.stop();
      await checkStopped;
      return clean ? 0 : 1;
    });
    const httpAddress = running.http && formatHostPort(running.http.host, running.http.port);
    options.log.info(
      { address, ...(httpAddress ? { httpAddress } : {}), storage: running.storageUrl.shown, workers: settings.workers, tls: options.tls !== undefined },
      'serving',
    );
    if (httpAddress) process.stdout.write(`http listening on ${httpAddress}\n`);
    process.stdout.write(`listening on ${address}\n`);
    // The workers opened the storage without checking it: the primary checks it once for all.
    check = checkStorageAfterListening(running.storageUrl, options.log, () => requestStop({ cause: 'storage failed its integrity check' }));
    const code = await stopped;
    return check.corrupted() ? STORAGE_CORRUPTED_EXIT_CODE : code;
  }
  let requestStop: ((cause: StopCause) => void) | undefined;
  const worker = await startClusterWorker({ ...options, collectMetrics: options.metricsPort !== undefined }, () =>
    requestStop?.({ cause: 'asked by the primary' }),
  );
  const stopping = stopOnRequests(underNpm, worker.log, graceMs, async () => {
    try {
      await worker.running.stop(graceMs);
      return 0;
    } finally {
      worker.disconnect();
    }
  });
  requestStop = stopping.requestStop;
  // Only now: once the primary hears from every worker, it prints `listening on`.
  worker.announceReady();
  return stopping.stopped;
}
