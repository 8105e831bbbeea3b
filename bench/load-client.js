// Drives one server with the bench's workload, from its own process, and prints one JSON line of
// figures. Usage: node bench/load-client.js TARGET WORKLOAD.json PHASE SECONDS CONCURRENCY [CHANNELS]
// CHANNELS (default 1): HTTP/2 connections the GetFeature phase spreads its calls over; a server
// with several workers hands each connection to one worker.
// PHASE: getFeature, nearest, listSmall, listLarge, listFull, exportFull, recordRoute or routeChat;
// or connectGetFeature, whose TARGET is the server's HTTP port (Connect JSON over HTTP/1.1).
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { credentials, Metadata } from '@grpc/grpc-js';
import { RouteGuideClient } from '../dist/gen/grpc-js/route_guide.js';
import { RouteGuideExtensionsClient } from '../dist/gen/grpc-js/route_guide_extensions.js';
import { percentile } from './percentile.js';

const [target, workloadFile, phase, secondsText, concurrencyText, channelsText = '1'] = process.argv.slice(2);
const workload = JSON.parse(readFileSync(workloadFile, 'utf8'));
const seconds = Number(secondsText);
const concurrency = Number(concurrencyText);
const client = new RouteGuideClient(target, credentials.createInsecure(), {
  'grpc.max_receive_message_length': 16 * 1024 * 1024,
});

/** Runs `call` from `workers` loops until the time is up; returns completed calls, units and seconds. */
async function drive(workers, call) {
  const until = performance.now() + seconds * 1000;
  let calls = 0;
  let units = 0;
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (performance.now() < until) {
        // Not `units += await ...`: that reads `units` before the await and loses other workers' counts.
        const done = await call(next++);
        units += done;
        calls++;
      }
    }),
  );
  return { calls, units, seconds: (performance.now() - started) / 1000 };
}

/** The GetFeature phase's connections: the main client's and CHANNELS - 1 more, each in its own subchannel pool. */
const getFeatureClients = [
  client,
  ...Array.from({ length: Number(channelsText) - 1 }, () => new RouteGuideClient(target, credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 })),
];
function getFeature(point, call = 0) {
  const on = getFeatureClients[call % getFeatureClients.length];
  return new Promise((resolve, reject) => on.getFeature(point, (error) => (error ? reject(error) : resolve())));
}

let httpAgent;
/**
 * GetFeature as curl makes it (the README's request: a JSON POST, Connect's unary protocol) over
 * HTTP/1.1 keep-alive connections, one per call in flight. Node's own http client, because
 * connect-node's client cost the bench's 2 cores about as much CPU per call as the server did.
 */
function connectGetFeature(point) {
  httpAgent ??= new Agent({ keepAlive: true, maxSockets: concurrency });
  const [host, port] = [target.slice(0, target.lastIndexOf(':')), Number(target.slice(target.lastIndexOf(':') + 1))];
  const body = JSON.stringify(point);
  return new Promise((resolve, reject) => {
    const outgoing = request(
      { agent: httpAgent, host, port, method: 'POST', path: '/routeguide.RouteGuide/GetFeature', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk) => (text += chunk));
        response.on('end', () => {
          if (response.statusCode !== 200) return reject(new Error(`GetFeature over Connect answered ${response.statusCode}: ${text}`));
          JSON.parse(text);
          resolve();
        });
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

/** The NearestFeatures phase's k. */
const NEAREST_LIMIT = 10;
let nearestClient;
function nearestFeatures(point) {
  nearestClient ??= new RouteGuideExtensionsClient(target, credentials.createInsecure());
  return new Promise((resolve, reject) =>
    nearestClient.nearestFeatures({ point, limit: NEAREST_LIMIT, maxDistanceMeters: 0, namedOnly: false }, (error, response) =>
      error ? reject(error) : response.features.length === NEAREST_LIMIT ? resolve() : reject(new Error(`NearestFeatures answered ${response.features.length} features`)),
    ),
  );
}

function listFeatures({ rectangle, hits }) {
  return new Promise((resolve, reject) => {
    const metadata = new Metadata();
    metadata.set('bench-hits', String(hits));
    const call = client.listFeatures(rectangle, metadata);
    let received = 0;
    call.on('data', () => received++);
    call.on('error', reject);
    call.on('end', () => resolve(received));
  });
}

/**
 * ExportFeatures' client raises its HTTP/2 flow-control window (grpc-js's own channel option, for the
 * stream and the connection) from 64 KiB, so that the server is not paused every 64 KiB for the
 * client's WINDOW_UPDATE; any client can do the same.
 */
const EXPORT_WINDOW_BYTES = 8 * 1024 * 1024;

/** The whole world through ExportFeatures, at the server's default batch size, every batch decoded. */
function exportFeatures({ rectangle, hits }) {
  const extensions = new RouteGuideExtensionsClient(target, credentials.createInsecure(), {
    'grpc.max_receive_message_length': 16 * 1024 * 1024,
    'grpc-node.flow_control_window': EXPORT_WINDOW_BYTES,
  });
  return new Promise((resolve, reject) => {
    const metadata = new Metadata();
    metadata.set('bench-hits', String(hits));
    // The generated deserializer decodes each FeatureBatch into Feature objects.
    const call = extensions.exportFeatures({ rectangle, batchSize: 0 }, metadata);
    let features = 0;
    let messages = 0;
    call.on('data', (batch) => {
      features += batch.features.length;
      messages++;
    });
    call.on('error', reject);
    call.on('end', () => resolve({ features, messages }));
  }).finally(() => extensions.close());
}

const ROUTE_POINTS = 1000;
function recordRoute(offset) {
  return new Promise((resolve, reject) => {
    const call = client.recordRoute((error, summary) => (error ? reject(error) : resolve(summary.pointCount)));
    let i = 0;
    const pump = () => {
      while (i < ROUTE_POINTS) {
        const point = workload.points[(offset * ROUTE_POINTS + i++) % workload.points.length];
        if (!call.write(point)) return call.once('drain', pump);
      }
      call.end();
    };
    pump();
  });
}

const CHAT_NOTES = 100;
let chatLocation = 0;
function routeChat() {
  return new Promise((resolve, reject) => {
    const call = client.routeChat();
    call.on('data', () => {});
    call.on('error', reject);
    // The stream ends after the server has stored every note it read.
    call.on('end', () => resolve(CHAT_NOTES));
    for (let i = 0; i < CHAT_NOTES; i++) {
      // Fresh locations, so that replays stay small and the figure is about storing.
      const location = { latitude: 100_000_000 + (chatLocation++ % 80_000_000), longitude: 12_345_678 };
      call.write({ location, message: `bench note ${chatLocation}` });
    }
    call.end();
  });
}

/** Unary calls from `concurrency` loops, the i-th made by `call(i)`: calls, calls/s and latency percentiles. */
async function timedCalls(call) {
  const latencies = [];
  const { calls, seconds: took } = await drive(concurrency, async (i) => {
    const started = performance.now();
    await call(i);
    latencies.push(performance.now() - started);
    return 1;
  });
  latencies.sort((a, b) => a - b);
  return { calls, callsPerSecond: calls / took, p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99) };
}

const phases = {
  getFeature: () => timedCalls((i) => getFeature(workload.points[i % workload.points.length], i)),
  connectGetFeature: () => timedCalls((i) => connectGetFeature(workload.points[i % workload.points.length])),
  nearest: () => timedCalls((i) => nearestFeatures(workload.nearest[i % workload.nearest.length])),
  async listSmall() {
    const { calls, units, seconds: took } = await drive(concurrency, (i) => listFeatures(workload.small[i % workload.small.length]));
    return { queriesPerSecond: calls / took, featuresPerSecond: units / took, meanHits: units / calls };
  },
  async listLarge() {
    const { calls, units, seconds: took } = await drive(Math.min(concurrency, 8), (i) => listFeatures(workload.large[i % workload.large.length]));
    return { queriesPerSecond: calls / took, featuresPerSecond: units / took, meanHits: units / calls };
  },
  async listFull() {
    const started = performance.now();
    const received = await listFeatures(workload.full);
    const took = (performance.now() - started) / 1000;
    return { features: received, seconds: took, featuresPerSecond: received / took };
  },
  async exportFull() {
    const started = performance.now();
    const { features, messages } = await exportFeatures(workload.full);
    const took = (performance.now() - started) / 1000;
    return { features, messages, seconds: took, featuresPerSecond: features / took };
  },
  async recordRoute() {
    const { units, seconds: took } = await drive(Math.min(concurrency, 16), (i) => recordRoute(i));
    return { points: units, pointsPerSecond: units / took };
  },
  async routeChat() {
    const { units, seconds: took } = await drive(concurrency, () => routeChat());
    return { notesPerSecond: units / took };
  },
};

if (!(phase in phases)) throw new Error(`unknown phase ${phase}; one of ${Object.keys(phases).join(', ')}`);
const results = await phases[phase]();
for (const each of getFeatureClients) each.close();
nearestClient?.close();
// Keep-alive sockets of the HTTP phase would hold the process open: exit once the line is out.
process.stdout.write(JSON.stringify(results) + '\n', () => {
  if (httpAgent) process.exit(0);
});
