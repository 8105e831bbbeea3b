import type { Worker } from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';
import type { MetricsSource } from './metrics-server.js';

/**
 * One Prometheus scrape for a node:cluster server: the primary asks each serving worker for its
 * registry (as JSON, over the cluster's IPC channel) and merges them with prom-client's
 * AggregatorRegistry.aggregate, which applies each metric's `aggregator`: counters and histograms
 * are summed; a gauge says how it combines (see metrics.ts). prom-client's own clusterMetrics() asks
 * every connected worker, waits 5 s for one that is still starting, and fails the whole scrape when a
 * worker dies meanwhile; here a worker that exits or does not answer in time is left out of that scrape.
 */

const REQUEST = 'routeguide:metrics-request';
const RESPONSE = 'routeguide:metrics-response';
/** How long a scrape waits for a worker before leaving it out. */
const WORKER_ANSWER_MS = 2000;

interface MetricsRequest {
  readonly type: typeof REQUEST;
  readonly id: number;
}

interface MetricsResponse {
  readonly type: typeof RESPONSE;
  readonly id: number;
  readonly metrics?: unknown[];
  readonly error?: string;
}

function isMessage<T extends { type: string }>(message: unknown, type: T['type']): message is T {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === type;
}

/** In a worker: answer the primary's metrics requests with this registry. */
export function answerMetricsRequests(registry: Registry, onError: (error: unknown) => void): void {
  process.on('message', (message: unknown) => {
    if (!isMessage<MetricsRequest>(message, REQUEST)) return;
    const reply = (response: MetricsResponse): void => {
      process.send?.(response, undefined, {}, (error) => {
        if (error) onError(error);
      });
    };
    registry.getMetricsAsJSON().then(
      (metrics) => reply({ type: RESPONSE, id: message.id, metrics }),
      (error: unknown) => {
        onError(error);
        reply({ type: RESPONSE, id: message.id, error: error instanceof Error ? error.message : String(error) });
      },
    );
  });
}

/** Asks one worker for its metrics; undefined when it exits, fails or does not answer in time. */
function askWorker(worker: Worker, id: number, onMissing: (workerId: number, reason: string) => void): Promise<unknown[] | undefined> {
  return new Promise((resolve) => {
    const finish = (metrics: unknown[] | undefined, missing?: string): void => {
      clearTimeout(timer);
      worker.off('message', onMessage);
      worker.off('exit', onExit);
      if (missing !== undefined) onMissing(worker.id, missing);
      resolve(metrics);
    };
    const onMessage = (message: unknown): void => {
      if (!isMessage<MetricsResponse>(message, RESPONSE) || message.id !== id) return;
      if (message.error !== undefined) finish(undefined, message.error);
      else finish(message.metrics ?? []);
    };
    const onExit = (): void => finish(undefined, 'exited during the scrape');
    const timer = setTimeout(() => finish(undefined, `no answer in ${WORKER_ANSWER_MS} ms`), WORKER_ANSWER_MS);
    worker.on('message', onMessage);
    worker.on('exit', onExit);
    const request: MetricsRequest = { type: REQUEST, id };
    worker.send(request, undefined, (error) => {
      if (error) finish(undefined, `cannot ask: ${error.message}`);
    });
  });
}

/**
 * In the primary: a metrics source that merges the registries of `workers()` (the workers serving
 * now) at each scrape. `onMissing` hears of a worker left out of a scrape, and why.
 */
export function createClusterMetrics(
  workers: () => readonly Worker[],
  onMissing: (workerId: number, reason: string) => void,
): MetricsSource {
  let nextId = 0;
  return {
    contentType: AggregatorRegistry.PROMETHEUS_CONTENT_TYPE,
    async metrics() {
      const id = nextId++;
      const answers = await Promise.all(workers().map((worker) => askWorker(worker, id, onMissing)));
      return AggregatorRegistry.aggregate(answers.filter((answer) => answer !== undefined)).metrics();
    },
  };
}
