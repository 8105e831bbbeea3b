// The live-load phase: how long the index takes to take in a large import while it serves, and the
// longest any GetFeature or ListFeatures call waits meanwhile (target: no pause over 100 ms).
// Two parts, printed as one JSON line on stdout:
// 1. in process: FeatureIndex.takeIn of ADD features into an index of BASE, with the event loop's
//    longest gap, beside rbush's start-up bulk load of BASE + ADD in the same run (a ratio);
// 2. end to end: `routeguide serve` on a database of BASE features, a probe client calling GetFeature
//    and a small ListFeatures one after the other, and `routeguide seed --synthetic ADD` into the same
//    database from another process: the longest pause (a GetFeature's whole call; a ListFeatures'
//    longest wait for its first message, between messages or for its end) in each window (quiet,
//    seeding, intake), and the time from the seed's end (its commit) to the first GetFeature that
//    finds one of the new features.
// Usage: node bench/live-load.js [--database PATH | --postgres] [--base N] [--add N] [--random-seed S]
// Without --database, it seeds a temporary one with BASE features first; with --postgres, that one is
// a throwaway PostgreSQL cluster with PostgreSQL's default settings. Needs `npm run build` first.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { credentials } from '@grpc/grpc-js';
import { syntheticFeatures } from '../dist/feature-files/synthetic-features.js';
import { RouteGuideClient } from '../dist/gen/grpc-js/route_guide.js';
import { FeatureIndex } from '../dist/index/feature-index.js';
import { findPostgresBinaries, INSTALL_HINT, startCluster } from '../scripts/postgres-cluster.js';
import { runNode, startServer, stopServer } from './child-processes.js';
import { percentile } from './percentile.js';

const { values } = parseArgs({
  options: {
    database: { type: 'string' },
    postgres: { type: 'boolean', default: false },
    base: { type: 'string', default: '1000000' },
    add: { type: 'string', default: '1000000' },
    'random-seed': { type: 'string', default: '1' },
  },
});
const base = Number(values.base);
const add = Number(values.add);
const seed = Number(values['random-seed']);
// The added features come from another seed, so nearly all of them are new points.
const addSeed = seed + 1000;
const log = (line) => process.stderr.write(`live-load: ${line}\n`);

/** Counts event-loop turns until stopped; the stop function returns the longest gap between two turns, in ms. */
function watchTurns() {
  let last = performance.now();
  let longest = 0;
  let running = true;
  const turn = () => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
    if (running) setImmediate(turn);
  };
  setImmediate(turn);
  return () => {
    running = false;
    return longest;
  };
}

/** Synthetic features in batches, made as they are read: no array of every feature stays on the heap. */
async function* syntheticBatches(count, randomSeed, size = 10_000) {
  let batch = [];
  for (const feature of syntheticFeatures(count, randomSeed)) {
    batch.push(feature);
    if (batch.length === size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

async function* concatenated(...sources) {
  for (const source of sources) yield* source;
}

async function inProcess() {
  let index = new FeatureIndex();
  await index.loadBatches(syntheticBatches(base, seed), base);
  global.gc?.();
  // The longest gap between turns of an idle loop for a second: this machine's own pauses.
  const stopIdle = watchTurns();
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const idleLongestTurnMs = stopIdle();
  const stopWatching = watchTurns();
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  // Storage would skip the few points both sets hold; skipIndexed does the same here.
  const added = await index.takeIn(syntheticBatches(add, addSeed), { skipIndexed: true });
  const intakeSeconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  // CPU time as well as wall time: on a busy machine the wall time is mostly waiting for a core.
  const intakeCpuSeconds = (cpu.user + cpu.system) / 1e6;
  const longestTurnMs = stopWatching();
  index = undefined;
  global.gc?.();
  // rbush's bulk load of the same features, as start-up does it: one synchronous pass.
  const all = new FeatureIndex();
  const loadStarted = performance.now();
  await all.loadBatches(concatenated(syntheticBatches(base, seed), syntheticBatches(add, addSeed)), base + add);
  const bulkLoadSeconds = (performance.now() - loadStarted) / 1000;
  return { base, added, intakeSeconds, intakeCpuSeconds, longestTurnMs, idleLongestTurnMs, bulkLoadSeconds };
}

function call(method, request) {
  return new Promise((resolve, reject) => method(request, (error, response) => (error ? reject(error) : resolve(response))));
}

/**
 * A ListFeatures call; resolves with its longest wait: to the first message, between two messages,
 * or from the last to the end. A long stream is not a pause; a gap inside it is.
 */
function listPause(client, rectangle) {
  return new Promise((resolve, reject) => {
    const stream = client.listFeatures(rectangle);
    let last = performance.now();
    let longest = 0;
    const tick = () => {
      const now = performance.now();
      longest = Math.max(longest, now - last);
      last = now;
    };
    stream.on('data', tick);
    stream.on('error', reject);
    stream.on('end', () => {
      tick();
      resolve(longest);
    });
  });
}

async function endToEnd(storage) {
  const { child: server, target } = await startServer(['bin/routeguide.js', 'serve', '--storage', storage, '--port', '0', '--log-format', 'json'], {
    stderr: 'pipe',
  });
  // The server's own account of each intake: its log line 'index took in new imports' (the lines
  // of its start-up waited in the pipe, and are read now).
  const intakes = [];
  let logged = '';
  server.stderr.on('data', (chunk) => {
    logged += chunk;
    const lines = logged.split('\n');
    logged = lines.pop();
    for (const line of lines) {
      if (!line.includes('index took in new imports')) continue;
      const entry = JSON.parse(line);
      intakes.push({ features: entry.features, ms: entry.ms });
    }
  });
  try {
    const client = new RouteGuideClient(target, credentials.createInsecure());
    // Synthetic features depend on the count asked for: take the first ones of the very sets seeded.
    const existing = [];
    for (const feature of syntheticFeatures(base, seed)) if (existing.push(feature) === 1000) break;
    const probeNew = syntheticFeatures(add, addSeed).next().value;
    /** Each call's start and latency, in ms. */
    const calls = [];
    let seedDone;
    let visibleAt;
    let probing = true;
    /** Records a call's start and its pause: the whole call for a unary one, the longest wait for a stream. */
    const timed = async (work, kind) => {
      const at = performance.now();
      const result = await work();
      calls.push([at, kind === 'ListFeatures' ? result : performance.now() - at, kind]);
      return result;
    };
    const probe = (async () => {
      for (let i = 0; probing; i++) {
        const feature = existing[i % existing.length];
        if (i % 2 === 0) {
          await timed(() => call(client.getFeature.bind(client), { latitude: feature.latitude, longitude: feature.longitude }), 'GetFeature');
        } else {
          // About 0.01 degrees around a feature: a short stream, a few to a few hundred features.
          const half = 100_000;
          await timed(
            () =>
              listPause(client, {
                lo: { latitude: feature.latitude - half, longitude: feature.longitude - half },
                hi: { latitude: feature.latitude + half, longitude: feature.longitude + half },
              }),
            'ListFeatures',
          );
        }
        if (seedDone !== undefined && visibleAt === undefined) {
          const found = await timed(() => call(client.getFeature.bind(client), probeNew), 'GetFeature of a new feature');
          if (found.name === probeNew.name) visibleAt = performance.now();
        }
      }
    })();
    const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
    // A quiet window first: the same machine's pauses without any import, for the ratio.
    const quietFrom = performance.now();
    await sleep(3000);
    const seedStarted = performance.now();
    await runNode(['bin/routeguide.js', 'seed', '--storage', storage, '--synthetic', String(add), '--random-seed', String(addSeed)]);
    seedDone = performance.now();
    while (visibleAt === undefined && performance.now() - seedDone < 60_000) await sleep(20);
    // A second more of calls after the index took the import in.
    await sleep(1000);
    probing = false;
    await probe;
    client.close();
    if (visibleAt === undefined) throw new Error('the new features never became visible');
    const window = (from, to) => {
      const latencies = calls.filter(([at]) => at >= from && at <= to).map(([, ms]) => ms).sort((x, y) => x - y);
      return { calls: latencies.length, longestMs: latencies[latencies.length - 1] ?? 0, p99Ms: percentile(latencies, 99), p50Ms: percentile(latencies, 50) };
    };
    return {
      seedSeconds: (seedDone - seedStarted) / 1000,
      visibleAfterCommitSeconds: (visibleAt - seedDone) / 1000,
      serverIntakes: intakes,
      quiet: window(quietFrom, seedStarted),
      seeding: window(seedStarted, seedDone),
      intake: window(seedDone, visibleAt),
      longestCalls: [...calls]
        .sort((x, y) => y[1] - x[1])
        .slice(0, 3)
        .map(([at, ms, kind]) => ({ kind, ms: Math.round(ms), startedAfterSeedEndMs: Math.round(at - seedDone) })),
    };
  } finally {
    await stopServer(server);
  }
}

let work;
let cluster;
try {
  let storage = values.database === undefined ? undefined : `sqlite:${values.database}`;
  if (values.postgres) {
    const binaries = findPostgresBinaries();
    if (binaries === undefined) throw new Error(`--postgres: no initdb found; ${INSTALL_HINT}`);
    cluster = await startCluster(binaries);
    storage = cluster.url('postgres');
  } else if (storage === undefined) {
    work = mkdtempSync(join(tmpdir(), 'routeguide-live-load-'));
    storage = `sqlite:${join(work, 'routeguide.db')}`;
  }
  if (values.postgres || values.database === undefined) {
    log(`seeding ${base} features`);
    await runNode(['bin/routeguide.js', 'seed', '--storage', storage, '--synthetic', String(base), '--random-seed', String(seed)]);
  }
  // End to end first: the in-process part leaves a large heap whose collection would pause this client.
  log(`end to end: routeguide seed --synthetic ${add} beside a serving server on ${storage.split(':')[0]}`);
  const served = await endToEnd(storage);
  log(`in process: taking in ${add} features beside ${base}`);
  const index = await inProcess();
  process.stdout.write(JSON.stringify({ index, served }) + '\n');
} finally {
  if (work) rmSync(work, { recursive: true, force: true });
  cluster?.stop();
}
