import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry, type MetricObjectWithValues, type MetricValueWithName } from 'prom-client';
import { CallCounts, type CallSeries } from './call-counts.js';
import type { CallObserver } from './call-observer.js';
import { REFUSAL_REASONS, type RefusalReason } from './refusals.js';

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
  /** A connection or request refused before it became a call (refusals.ts). */
  connectionRefused(reason: RefusalReason): void;
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
  // Calls are counted in plain numbers (call-counts.ts); the metrics read them when scraped.
  const counts = new CallCounts(LATENCY_BUCKETS);
  const countedCalls = (name: string, help: string, count: (series: CallSeries) => number) =>
    new Counter({
      name,
      help,
      labelNames: callLabels,
      registers: [registry],
      collect() {
        this.reset();
        for (const series of counts.all()) this.inc(series.labels, count(series));
      },
    });
  countedCalls('grpc_server_started_total', 'RPCs started on the server.', (series) => series.started);
  countedCalls('grpc_server_msg_received_total', 'Stream messages received from clients.', (series) => series.messagesReceived);
  countedCalls('grpc_server_msg_sent_total', 'Stream messages sent to clients.', (series) => series.messagesSent);
  new Counter({
    name: 'grpc_server_handled_total',
    help: 'RPCs completed on the server, by status code.',
    labelNames: [...callLabels, 'grpc_code'],
    registers: [registry],
    collect() {
      this.reset();
      for (const series of counts.all()) {
        series.handled.forEach((handled, code) => this.inc({ ...series.labels, grpc_code: CallCounts.codeName(code) }, handled));
      }
    },
  });
  new Counter({
    name: 'routeguide_client_calls_total',
    help: 'RPCs completed, by client (its name in the auth file, or anonymous), method and status code.',
    labelNames: ['client', 'grpc_service', 'grpc_method', 'grpc_code'],
    registers: [registry],
    collect() {
      this.reset();
      for (const series of counts.all()) {
        const { grpc_service, grpc_method } = series.labels;
        for (const [client, handled] of series.byClient) {
          handled.forEach((calls, code) => this.inc({ client, grpc_service, grpc_method, grpc_code: CallCounts.codeName(code) }, calls));
        }
      }
    },
  });
  const refused = new Counter({
    name: 'routeguide_connections_refused_total',
    help: 'Connections and requests refused before they became calls: over a connection cap, too slow to send headers, a body or a preface, or a body too large.',
    labelNames: ['reason'],
    registers: [registry],
  });
  for (const reason of REFUSAL_REASONS) refused.inc({ reason }, 0);
  registry.registerMetric(
    new CountedHistogram(counts, {
      name: 'grpc_server_handling_seconds',
      help: 'Time from the start of an RPC to its status, in seconds.',
      labelNames: callLabels,
      buckets: LATENCY_BUCKETS,
      registers: [],
    }),
  );
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
    const series = counts.of(start);
    series.started++;
    return series;
  };

  return {
    registry,
    observer,
    notesStored: (count) => notesStored.inc(count),
    notesPruned: (count) => notesPruned.inc(count),
    connectionRefused: (reason) => refused.inc({ reason }),
    setSources(next) {
      sources = next;
    },
  };
}

/**
 * prom-client's histogram, showing the latencies counted in CallCounts instead of its own: the
 * same exposition (buckets, `+Inf`, sum and count per label set), and the same sum across cluster
 * workers, without prom-client's per-observation label hashing.
 */
class CountedHistogram<T extends string> extends Histogram<T> {
  constructor(
    private readonly counts: CallCounts,
    private readonly configuration: ConstructorParameters<typeof Histogram<T>>[0],
  ) {
    super(configuration);
  }

  override async get(): Promise<MetricObjectWithValues<MetricValueWithName<T>>> {
    const { name, help } = this.configuration;
    const values: MetricValueWithName<T>[] = [];
    for (const series of this.counts.all()) {
      const labels = series.labels as Partial<Record<T, string>>;
      let cumulative = 0;
      LATENCY_BUCKETS.forEach((bound, bucket) => {
        cumulative += series.bucketCounts[bucket]!;
        values.push({ labels: { ...labels, le: bound }, value: cumulative, metricName: `${name}_bucket` });
      });
      values.push(
        { labels: { ...labels, le: '+Inf' }, value: series.latencyCount, metricName: `${name}_bucket` },
        { labels, value: series.latencySum, metricName: `${name}_sum` },
        { labels, value: series.latencyCount, metricName: `${name}_count` },
      );
    }
    // prom-client's declarations say `type` is an enum number and ask for `collect`; at run time it
    // is the string its own histograms give, which the registry prints after `# TYPE`.
    return { name, help, type: 'histogram', values, aggregator: 'sum' } as unknown as MetricObjectWithValues<MetricValueWithName<T>>;
  }

  /** The registry formats what this returns; here it is the same as get(). */
  getForPromString(): Promise<MetricObjectWithValues<MetricValueWithName<T>>> {
    return this.get();
  }
}
