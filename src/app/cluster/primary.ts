import cluster, { type Worker } from 'node:cluster';
import { createServer, type AddressInfo } from 'node:net';
import { formatHostPort } from '../../common/host-port.js';
import { ListenError } from '../../common/listen-error.js';
import { SettingsError } from '../../common/settings-error.js';
import { UserError } from '../../common/user-error.js';
import type { Logger } from '../../observability/logger.js';
import { listenMetrics, type MetricsServer } from '../../observability/metrics-server.js';
import { readStorageUrl, type StorageUrl } from '../../storage/open-storage.js';
import type { StartOptions } from '../start-app.js';
import { isWorkerReady, type StopWorker } from './messages.js';
import { prepareSharedStorage } from './prepare-storage.js';
import { restartDelayMs } from './restart-backoff.js';

export interface ClusterOptions {
  /** The command's name for messages: `routeguide serve`. */
  readonly command: string;
  /** Server processes to run, 2 or more. */
  readonly workers: number;
  /**
   * One server's options, as each worker reads them from the same command line. The primary binds
   * nothing of the gRPC and HTTP ports but picks them when they are 0 (every worker, and every
   * restart, then shares them), serves the metrics port, and prepares the storage.
   */
  readonly start: StartOptions;
  /** The command line each worker runs (node:cluster starts the same script), e.g. ['serve', '--workers', '2']. */
  readonly workerArgs: readonly string[];
}

export interface RunningCluster {
  readonly host: string;
  /** The storage URL every worker serves from, read once: `shown` is the form to log. */
  readonly storageUrl: StorageUrl;
  /** The gRPC port every worker serves on. */
  readonly port: number;
  readonly metricsPort?: number;
  /** Where every worker serves HTTP, when it does. */
  readonly http?: { readonly host: string; readonly port: number };
  /**
   * Graceful stop: every worker runs one server's shutdown sequence at once; resolves once all have
   * exited and the metrics server is closed, with true when every worker exited with code 0.
   */
  stop(): Promise<boolean>;
}

/** A worker that exited before every worker was serving: the cluster did not start. */
export class WorkerStartError extends UserError {
  override readonly name = 'WorkerStartError';
  readonly exitCode = 1;
}

interface Slot {
  worker: Worker;
  /** Resolves with the worker's exit code (null when a signal ended it). */
  exited: Promise<number | null>;
  alive: boolean;
  ready: boolean;
  forkedAt: number;
  /** Exits in a row soon after a start, for the backoff. */
  quickExits: number;
  restartTimer?: NodeJS.Timeout;
}

/**
 * Runs `workers` server processes through node:cluster, sharing one gRPC port: the primary prepares
 * the shared storage (migrations, seeding) before it forks, distributes connections round-robin,
 * restarts a worker that dies (with a backoff against a crash loop), serves one metrics scrape for
 * all of them, and stops them all gracefully. Resolves once every worker is serving.
 */
export async function startCluster(options: ClusterOptions): Promise<RunningCluster> {
  const { start } = options;
  const { log } = start;
  const storageUrl = readStorageUrl(start.storageUrl);
  if (storageUrl.location.scheme === 'memory') {
    throw new SettingsError(
      `${options.command}: invalid --workers=${options.workers} with memory: storage: workers share one storage, and memory: is not shared between processes; use sqlite:<path>, or --workers 1`,
    );
  }
  const slots: Slot[] = [];
  const serving = (): Worker[] => slots.filter((slot) => slot.ready && slot.worker.isConnected()).map((slot) => slot.worker);
  let metricsServer: MetricsServer | undefined;
  if (start.metricsPort !== undefined) {
    // prom-client is loaded only when metrics are served (see startApp).
    const { createClusterMetrics } = await import('../../observability/cluster-metrics.js');
    const source = createClusterMetrics(serving, (worker, reason) => log.warn({ worker, reason }, 'a worker was left out of a metrics scrape'));
    metricsServer = await listenMetrics(source, start.metricsHost ?? start.host, start.metricsPort, (error) =>
      log.error({ err: error }, 'metrics server error'),
    );
    log.info({ port: metricsServer.port }, 'metrics at /metrics');
  }
  try {
    await prepareSharedStorage(storageUrl, start);
  } catch (error) {
    await metricsServer?.close();
    throw error;
  }

  // node:cluster shares one listening socket per address and port asked for. A worker restarted
  // with --port 0 while another still serves would get the old socket, but once all had died a new
  // one would get a new port: so the primary picks the port, and every worker asks for that one.
  const port = start.port === 0 ? await freePort(start.host) : start.port;
  // Round-robin in the primary (Linux's default already; other platforms leave it to the kernel).
  cluster.schedulingPolicy = cluster.SCHED_RR;
  const httpHost = start.http?.host ?? start.host;
  const httpPort = start.http?.port === 0 ? await freePort(httpHost) : start.http?.port;
  const httpArgs = httpPort === undefined ? [] : ['--http-port', String(httpPort)];
  cluster.setupPrimary({ exec: process.argv[1], args: [...options.workerArgs, '--port', String(port), ...httpArgs] });
  let stopping = false;
  let started!: () => void;
  let failedToStart!: (error: Error) => void;
  const allServing = new Promise<void>((resolve, reject) => {
    started = resolve;
    failedToStart = reject;
  });
  let startedUp = false;

  function fork(index: number, quickExits: number): void {
    const worker = cluster.fork();
    const exited = new Promise<number | null>((resolve) => worker.once('exit', (code) => resolve(code)));
    const current: Slot = { worker, exited, alive: true, ready: false, forkedAt: performance.now(), quickExits };
    slots[index] = current;
    worker.on('error', (error) => log.error({ err: error, worker: worker.id }, 'worker IPC error'));
    worker.on('message', (message: unknown) => {
      if (!isWorkerReady(message)) return;
      current.ready = true;
      log.info({ worker: worker.id, pid: worker.process.pid }, startedUp ? 'worker restarted and serving' : 'worker serving');
      if (!startedUp && slots.length === options.workers && slots.every((each) => each.ready)) {
        startedUp = true;
        started();
      }
    });
    worker.once('exit', (code: number | null, signal: string | null) => onExit(current, index, code, signal as NodeJS.Signals | null));
  }

  function onExit(slot: Slot, index: number, code: number | null, signal: NodeJS.Signals | null): void {
    slot.ready = false;
    slot.alive = false;
    const about = { worker: slot.worker.id, pid: slot.worker.process.pid, code, signal };
    if (stopping) {
      log.info(about, 'worker stopped');
      return;
    }
    if (!startedUp) {
      log.error(about, 'worker exited during start-up; stopping the others');
      failedToStart(new WorkerStartError(`worker ${slot.worker.id} exited with ${signal ?? `code ${code}`} during start-up (its error is above)`));
      return;
    }
    const lived = performance.now() - slot.forkedAt;
    const quickExits = lived < STABLE_RUN_MS ? slot.quickExits + 1 : 0;
    const delay = restartDelayMs(quickExits);
    log.warn({ ...about, restartInMs: delay }, 'worker exited; restarting it');
    slot.restartTimer = setTimeout(() => {
      slot.restartTimer = undefined;
      if (!stopping) fork(index, quickExits);
    }, delay);
  }

  /** Asks every live worker to stop; resolves with their exit codes. A worker waiting for its restart stays down. */
  function stopWorkers(): Promise<(number | null)[]> {
    stopping = true;
    const message: StopWorker = { type: 'routeguide:stop' };
    const live = slots.filter((slot) => slot.alive);
    for (const slot of slots) clearTimeout(slot.restartTimer);
    // A worker whose channel is gone is exiting already; its exit is awaited all the same.
    for (const slot of live) {
      if (!slot.worker.isConnected()) continue;
      slot.worker.send(message, undefined, (error) => {
        if (error) log.debug({ err: error, worker: slot.worker.id }, 'stop message not delivered; the worker is exiting already');
      });
    }
    return Promise.all(live.map((slot) => slot.exited));
  }

  log.info({ workers: options.workers }, 'starting workers');
  for (let index = 0; index < options.workers; index++) fork(index, 0);
  try {
    await allServing;
  } catch (error) {
    await stopWorkers();
    await metricsServer?.close();
    throw error;
  }
  let stopped: Promise<boolean> | undefined;
  return {
    host: start.host,
    storageUrl,
    port,
    metricsPort: metricsServer?.port,
    ...(httpPort === undefined ? {} : { http: { host: httpHost, port: httpPort } }),
    stop() {
      stopped ??= stopWorkers().then(async (codes) => {
        await metricsServer?.close();
        return codes.every((code) => code === 0);
      });
      return stopped;
    },
  };
}

/** A port free on `host` now, as the system picks one for port 0. */
function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error) => reject(new ListenError(`cannot listen on ${formatHostPort(host, 0)}: ${error.message}`, { cause: error })));
    probe.listen(0, host, () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** A worker that ran this long before it exited is restarted without a backoff. */
const STABLE_RUN_MS = 10_000;
