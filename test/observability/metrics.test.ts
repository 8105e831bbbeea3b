import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureLog } from '../support/captured-log.js';
import { collect, startTestServer, type TestServer } from '../support/servers.js';

async function scrape(port: number, path = '/metrics'): Promise<{ status: number; type: string | null; text: string }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
}

function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const match = /^([a-z_]+)(\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = match[3] ?? '';
    if (Object.entries(labels).every(([key, value]) => present.includes(`${key}="${value}"`))) return Number(match[4]);
  }
  return undefined;
}

describe('Prometheus metrics over HTTP', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ metricsPort: 0 });
    const { client } = server;
    await client.getFeature({ latitude: 409146138, longitude: -746188906 });
    await client.getFeature({ latitude: 1, longitude: 2 });
    await client.getFeature({ latitude: 2_000_000_000, longitude: 0 }).catch(() => undefined);
    await collect(client.listFeatures({ lo: { latitude: 400000000, longitude: -750000000 }, hi: { latitude: 420000000, longitude: -730000000 } }));
    await collect(client.routeChat([
      { location: { latitude: 5, longitude: 5 }, message: 'one' },
      { location: { latitude: 5, longitude: 5 }, message: 'two' },
    ]));
  });
  afterAll(async () => {
    await server.stop();
  });

  it('serves /metrics in the Prometheus text format and 404 elsewhere', async () => {
    const metrics = await scrape(server.running.metricsPort!);
    expect(metrics.status).toBe(200);
    expect(metrics.type).toContain('text/plain');
    expect((await scrape(server.running.metricsPort!, '/')).status).toBe(404);
  });

  it('counts calls per method by status code', async () => {
    const { text } = await scrape(server.running.metricsPort!);
    expect(sample(text, 'grpc_server_handled_total', { grpc_method: 'GetFeature', grpc_code: 'OK' })).toBe(2);
    expect(sample(text, 'grpc_server_handled_total', { grpc_method: 'GetFeature', grpc_code: 'INVALID_ARGUMENT' })).toBe(1);
    expect(sample(text, 'grpc_server_handled_total', { grpc_method: 'ListFeatures', grpc_code: 'OK' })).toBe(1);
    expect(sample(text, 'grpc_server_started_total', { grpc_method: 'RouteChat', grpc_type: 'bidi_stream' })).toBe(1);
  });

  it('has a latency histogram per method', async () => {
    const { text } = await scrape(server.running.metricsPort!);
    expect(sample(text, 'grpc_server_handling_seconds_count', { grpc_method: 'GetFeature' })).toBe(3);
    expect(sample(text, 'grpc_server_handling_seconds_bucket', { grpc_method: 'GetFeature', le: '+Inf' })).toBe(3);
  });

  it('counts streamed messages, indexed features and stored notes', async () => {
    const { text } = await scrape(server.running.metricsPort!);
    const listed = sample(text, 'grpc_server_msg_sent_total', { grpc_method: 'ListFeatures' });
    expect(listed).toBeGreaterThan(0);
    expect(sample(text, 'grpc_server_msg_received_total', { grpc_method: 'RouteChat' })).toBe(2);
    expect(sample(text, 'grpc_server_msg_sent_total', { grpc_method: 'RouteChat' })).toBe(1);
    expect(sample(text, 'routeguide_features_indexed')).toBe(server.running.index.size);
    expect(sample(text, 'routeguide_notes_stored_total')).toBe(2);
    expect(sample(text, 'routeguide_streams_open')).toBe(0);
  });

  it('includes the process defaults', async () => {
    const { text } = await scrape(server.running.metricsPort!);
    expect(sample(text, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(sample(text, 'nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
  });
});

describe('the metrics server after it is listening', () => {
  it('logs an error the HTTP server emits, keeps the process up and keeps serving', async () => {
    const captured = captureLog('info');
    const server = await startTestServer({ metricsPort: 0, log: captured.log });
    try {
      // With no 'error' listener left, emit() would throw here (and crash a real server).
      expect(() => server.running.metricsServer!.server.emit('error', new Error('accept failed: EMFILE'))).not.toThrow();
      const line = await captured.waitFor((candidate) => candidate.msg === 'metrics server error');
      expect((line.err as { message: string }).message).toBe('accept failed: EMFILE');
      expect((await scrape(server.running.metricsPort!)).status).toBe(200);
    } finally {
      await server.stop();
    }
  });
});

describe('the call metrics as scraped', () => {
  it('counts a latency on a bucket bound into that bucket, cumulatively, with sum and count, as prom-client does', async () => {
    const { createServiceMetrics } = await import('../../src/observability/metrics.js');
    const metrics = createServiceMetrics();
    const start = { path: '/routeguide.RouteGuide/GetFeature', service: 'routeguide.RouteGuide', method: 'GetFeature', type: 'unary', protocol: 'grpc', peer: '', client: 'anonymous' } as const;
    for (const [durationMs, code] of [[0.5, 0], [0.6, 0], [70_000, 3]] as const) {
      const hooks = metrics.observer(start)!;
      hooks.received?.();
      hooks.end(start, { code, details: '', durationMs, received: 1, sent: 0 });
    }
    const text = await metrics.registry.metrics();
    const labels = { grpc_method: 'GetFeature', protocol: 'grpc' };
    expect(sample(text, 'grpc_server_handling_seconds_bucket', { ...labels, le: '0.0005' })).toBe(1);
    expect(sample(text, 'grpc_server_handling_seconds_bucket', { ...labels, le: '0.001' })).toBe(2);
    expect(sample(text, 'grpc_server_handling_seconds_bucket', { ...labels, le: '60' })).toBe(2);
    expect(sample(text, 'grpc_server_handling_seconds_bucket', { ...labels, le: '+Inf' })).toBe(3);
    expect(sample(text, 'grpc_server_handling_seconds_sum', labels)).toBeCloseTo(70.0011, 6);
    expect(sample(text, 'grpc_server_handling_seconds_count', labels)).toBe(3);
    expect(sample(text, 'grpc_server_started_total', labels)).toBe(3);
    expect(sample(text, 'grpc_server_msg_received_total', labels)).toBe(3);
    expect(sample(text, 'grpc_server_msg_sent_total', labels)).toBe(0);
    expect(sample(text, 'grpc_server_handled_total', { ...labels, grpc_code: 'OK' })).toBe(2);
    expect(sample(text, 'grpc_server_handled_total', { ...labels, grpc_code: 'INVALID_ARGUMENT' })).toBe(1);
    expect(text).toContain('# TYPE grpc_server_handling_seconds histogram');
  });
});
