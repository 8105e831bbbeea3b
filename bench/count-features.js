// `npm run bench:count-features`: CountFeatures with a 256 x 256 grid over the whole world.
//
//   node bench/count-features.js [--sizes 1000000,10000000] [--runs 30] [--index-file PATH ...] [--map] [--dir D]
//
// For each size, on the synthetic data (`seed --synthetic N`: clustered towns): seeds a SQLite
// database (which writes its index file), then
//   - server time: FeatureIndex.countCells in this process over that index file, mapped as the server
//     maps it (wall ms per call, median / min / p90, and CPU ms per call);
//   - RPC latency: CountFeatures from a grpc-js client to `routeguide serve` on that database (ms,
//     median / p90), its total checked against N.
// On uniformly spread points (an index file written directly): server time. At 1M, also the heap
// trees alone (memory: storage, no index file). --index-file PATH measures the server time over an
// existing index file (the 100M scale data, say), read-only. --map runs the Chromium tests that
// measure the map (test/browser/map.test.ts and map-performance.test.ts) and prints their figures.
// Prints one JSON line a measurement, and the machine's load average. Needs `npm run build` first.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { root, runNode, startServer, stopServer } from './child-processes.js';
import { percentile } from './percentile.js';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1000000,10000000' },
    runs: { type: 'string', default: '30' },
    'index-file': { type: 'string', multiple: true, default: [] },
    map: { type: 'boolean', default: false },
    dir: { type: 'string', default: tmpdir() },
  },
});
if (!existsSync(join(root, 'dist/index/feature-index.js'))) {
  console.error('bench: dist/ is missing; run `npm run build` first');
  process.exit(1);
}
const { FeatureIndex } = await import('../dist/index/feature-index.js');
const { openIndexFile, writeIndexFile } = await import('../dist/index/index-file.js');
const { createRandom, syntheticFeatures } = await import('../dist/feature-files/synthetic-features.js');
const { createRouteGuideClient } = await import('../dist/client/client.js');

const sizes = values.sizes.split(',').filter(Boolean).map(Number);
const runs = Number(values.runs);
const WORLD_BOX = { minLatitude: -900_000_000, maxLatitude: 900_000_000, minLongitude: -1_800_000_000, maxLongitude: 1_800_000_000 };
const WORLD = { lo: { latitude: -900_000_000, longitude: -1_800_000_000 }, hi: { latitude: 900_000_000, longitude: 1_800_000_000 } };
const GRID = 256;
const round = (ms) => Math.round(ms * 100) / 100;

function report(figures) {
  console.log(JSON.stringify({ ...figures, load: loadavg().map((l) => Math.round(l * 10) / 10).join(' '), cores: cpus().length }));
}

/** Times `work` `runs` times after a few warm-ups: wall ms (median, min, p90) and CPU ms per call. */
function timed(work) {
  for (let i = 0; i < 5; i++) work();
  const wall = [];
  const cpuBefore = process.cpuUsage();
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    work();
    wall.push(performance.now() - started);
  }
  const cpu = process.cpuUsage(cpuBefore);
  wall.sort((a, b) => a - b);
  return { medianMs: round(percentile(wall, 50)), minMs: round(wall[0]), p90Ms: round(percentile(wall, 90)), cpuMsPerCall: round((cpu.user + cpu.system) / 1000 / runs) };
}

/** Server time over an index file: the count of a 256 x 256 world grid, as the server runs it. */
function serverTime(path) {
  const opened = openIndexFile(path, { verifyChecksums: false });
  const index = new FeatureIndex({ base: opened.features });
  let total = 0;
  const figures = timed(() => {
    total = index.countCells(WORLD_BOX, GRID, GRID).reduce((sum, n) => sum + n, 0);
  });
  return { features: opened.header.count, mapped: opened.mapped, total, ...figures };
}

async function rpcLatency(database, expected) {
  const { child, target } = await startServer(['bin/routeguide.js', 'serve', '--storage', `sqlite:${database}`, '--host', '127.0.0.1', '--port', '0', '--log-level', 'debug'], { stderr: 'pipe' });
  // SQLite's integrity check reads the whole database on a thread of its own after listening: the
  // calls are timed once it is over, so that they do not share the cores with it.
  await new Promise((resolve) => {
    let log = '';
    const timer = setTimeout(resolve, 120_000);
    child.stderr.on('data', (chunk) => {
      log += chunk;
      if (/integrity check|cannot check the storage/.test(log)) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  const client = createRouteGuideClient(target);
  try {
    const call = () => client.countFeatures({ rectangle: WORLD, columns: GRID, rows: GRID });
    for (let i = 0; i < 5; i++) await call();
    const latencies = [];
    let total = 0;
    for (let i = 0; i < runs; i++) {
      const started = performance.now();
      total = (await call()).total;
      latencies.push(performance.now() - started);
    }
    if (total !== expected) throw new Error(`CountFeatures answered a total of ${total}, not ${expected}`);
    latencies.sort((a, b) => a - b);
    return { rpcMedianMs: round(percentile(latencies, 50)), rpcP90Ms: round(percentile(latencies, 90)) };
  } finally {
    client.close();
    await stopServer(child);
  }
}

async function uniformIndexFile(path, count) {
  const random = createRandom(7);
  await writeIndexFile(path, (builder) => {
    for (let i = 0; i < count; i++) {
      builder.add(Math.round(-900_000_000 + random() * 1_800_000_000), Math.round(-1_800_000_000 + random() * 3_600_000_000), '');
    }
    return { identity: '0'.repeat(32), feedPosition: 0, overlapThrough: 0, importToken: '' };
  });
}

const dir = mkdtempSync(join(values.dir, 'routeguide-count-bench-'));
try {
  for (const size of sizes) {
    const database = join(dir, `synthetic-${size}.db`);
    const seeding = performance.now();
    await runNode(['bin/routeguide.js', 'seed', '--storage', `sqlite:${database}`, '--synthetic', String(size)]);
    const seedSeconds = Math.round((performance.now() - seeding) / 100) / 10;
    report({ data: 'synthetic', grid: `${GRID}x${GRID}`, seedSeconds, ...serverTime(`${database}.index`), ...(await rpcLatency(database, size)) });
    rmSync(database, { force: true });
    rmSync(`${database}.index`, { force: true });

    const uniform = join(dir, `uniform-${size}.index`);
    await uniformIndexFile(uniform, size);
    report({ data: 'uniform', grid: `${GRID}x${GRID}`, ...serverTime(uniform) });
    rmSync(uniform, { force: true });

    if (size <= 1_000_000) {
      const heap = new FeatureIndex();
      heap.load([...syntheticFeatures(size)]);
      let total = 0;
      report({ data: 'synthetic, heap trees only (memory: storage)', grid: `${GRID}x${GRID}`, features: size, ...timed(() => (total = heap.countCells(WORLD_BOX, GRID, GRID).reduce((sum, n) => sum + n, 0))), total });
    }
  }
  for (const path of values['index-file']) report({ data: `index file ${path}`, grid: `${GRID}x${GRID}`, ...serverTime(path) });
} finally {
  rmSync(dir, { recursive: true, force: true });
}

if (values.map) {
  execFileSync('npx', ['vitest', 'run', 'test/browser/map.test.ts', 'test/browser/map-performance.test.ts'], { cwd: root, stdio: 'inherit' });
  const read = (file) => JSON.parse(readFileSync(join(root, 'test-results/browser', file), 'utf8'));
  report({ map: 'canonical 100 features', ...read('map-figures.json') });
  report({ map: '1M synthetic features', ...read('map-performance.json') });
}
