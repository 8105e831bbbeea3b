import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { Code } from '../service/errors.js';
import type { CallObserver } from './call-observer.js';

/** Live values the metrics read at scrape time. */
export interface MetricSources {
  /** Features in the in-memory index. */
  featuresIndexed(): number;
  /** Streaming calls in flight. */
  streamsOpen(): number;
  /** Whether storage answers: 1 or 0 (memory and SQLite are always up). */
  storageUp(): number;
}

export interface ServiceMetrics {
  readonly registry: Registry;
  /** Feeds the per-call metrics; install with observeCalls. */
  readonly observer: CallObserver;
  /** Notes committed, counted per commit. */
  notesStored(count: number): void;
  notesPruned(count: number): void;
  /** Where the gauges read their values; set once the index is loaded and the server is up. */
  setSources(sources: MetricSources): void;
}

/** Latency buckets in seconds: from a cached lookup (sub-millisecond) to a long stream. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/**
 * The service's Prometheus metrics, in a registry of their own (so that two servers in one
 * process never share counters). gRPC metrics follow go-grpc-prometheus's names and labels, which
 * existing dashboards expect.
 */
export function createServiceMetrics(): ServiceMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const callLabels = ['grpc_type', 'grpc_service', 'grpc_method', 'protocol'] as const;
  const started = new Counter({ name: 'grpc_server_started_total', help: 'RPCs started on the server.', labelNames: callLabels, registers: [registry] });
  const handled = new Counter({
    name: 'grpc_server_handled_total',
    help: 'RPCs completed on the server, by status code.',
    labelNames: [...callLabels, 'grpc_code'],
    registers: [registry],
  });
  const latency = new Histogram({
    name: 'grpc_server_handling_seconds',
    help: 'Time from the start of an RPC to its status, in seconds.',
    labelNames: callLabels,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const received = new Counter({ name: 'grpc_server_msg_received_total', help: 'Stream messages received from clients.', labelNames: callLabels, registers: [registry] });
  const sent = new Counter({ name: 'grpc_server_msg_sent_total', help: 'Stream messages sent to clients.', labelNames: callLabels, registers: [registry] });
  const notesStored = new Counter({ name: 'routeguide_notes_stored_total', help: 'RouteChat notes stored since start.', registers: [registry] });
  const notesPruned = new Counter({ name: 'routeguide_notes_pruned_total', help: 'Notes deleted by retention (--notes-max-age) since start.', registers: [registry] });
  let sources: MetricSources | undefined;
  new Gauge({
    name: 'routeguide_features_indexed',
    help: 'Features in the in-memory spatial index.',
    registers: [registry],
    // Across cluster workers, each holding its own index of the same storage: the most any worker
    // holds. Summing would count each feature once per worker, and a worker still loading reads 0.
    aggregator: 'max',
    collect() {
      this.set(sources?.featuresIndexed() ?? 0);
    },
  });
  new Gauge({
    name: 'routeguide_storage_up',
    help: 'Whether the storage answers (1) or not (0), e.g. while a PostgreSQL server restarts.',
    registers: [registry],
    collect() {
      this.set(sources?.storageUp() ?? 0);
    },
  });
  new Gauge({
    name: 'routeguide_streams_open',
    help: 'Streaming RouteGuide calls in flight.',
    registers: [registry],
    // Each stream is open on exactly one worker: across workers, the sum.
    aggregator: 'sum',
    collect() {
      this.set(sources?.streamsOpen() ?? 0);
    },
  });

  const observer: CallObserver = (start) => {
    const labels = { grpc_type: start.type, grpc_service: start.service, grpc_method: start.method, protocol: start.protocol };
    started.inc(labels);
    // Children resolved once per call, so each streamed message costs one increment.
    const receivedChild = received.labels(labels);
    const sentChild = sent.labels(labels);
    return {
      received: () => receivedChild.inc(),
      sent: () => sentChild.inc(),
      end(_start, end) {
        handled.inc({ ...labels, grpc_code: Code[end.code] });
        latency.observe(labels, end.durationMs / 1000);
      },
    };
  };

  return {
    registry,
    observer,
    notesStored: (count) => notesStored.inc(count),
    notesPruned: (count) => notesPruned.inc(count),
    setSources(next) {
      sources = next;
    },
  };
}
