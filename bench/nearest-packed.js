// k-nearest queries/s in process: findNearestPacked over a flatbush tree (Int32, nodeSize 16) against
// today's findNearest over the rbush tree (FeatureIndex.nearest), on the same points, with the same
// queries, checked to give the same answers. flatbush's own (planar) neighbors() is shown for scale.
//
//   npx tsc -p tsconfig.build.json && node --max-old-space-size=8000 bench/nearest-packed.js [N...] [--queries Q] [--seconds S]
//
// Data sets: "synthetic" (the seed's clustered towns, syntheticFeatures(N, 11)) and "world" (uniform
// over the globe). Query sets: random points anywhere (as npm run bench's NearestFeatures phase) and
// points at features (as goload -rpc nearest with a sample file). Prints one JSON line a measurement.
import Flatbush from 'flatbush';
import { createRandom, syntheticFeatures } from '../dist/feature-files/synthetic-features.js';
import { FeatureIndex } from '../dist/index/feature-index.js';
import { findNearestPacked, packedTreeOf } from '../dist/index/packed-nearest.js';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const at = args.indexOf(name);
  if (at === -1) return fallback;
  const [value] = args.splice(at, 2).slice(1);
  return Number(value);
};
const queryCount = option('--queries', 20_000);
const seconds = option('--seconds', 2);
const sizes = args.length > 0 ? args.map(Number) : [1_000_000, 10_000_000];
const K = 10;

/** Batches of features, as storage's scan yields them. */
async function* batches(features) {
  let batch = [];
  for (const feature of features) {
    batch.push(feature);
    if (batch.length === 10_000) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

function* worldFeatures(count, seed) {
  const random = createRandom(seed);
  for (let i = 0; i < count; i++) {
    const latitude = Math.round(-900_000_000 + random() * 1_800_000_000);
    const longitude = Math.round(-1_800_000_000 + random() * 3_600_000_000);
    yield { name: random() < 0.1 ? '' : `feature ${i}`, latitude, longitude };
  }
}

const make = (name, latitude, longitude, distanceMetres) => ({ name, latitude, longitude, distanceMetres });

/**
 * Runs `query` over the points again and again for about `seconds`: queries per second of wall time,
 * and the process's CPU µs per query (steadier than the rate when other work shares the cores).
 */
function rate(points, query) {
  for (let i = 0; i < Math.min(points.length, 2_000); i++) query(points[i]); // warm-up
  let done = 0;
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  let elapsed = 0;
  do {
    for (const point of points) query(point);
    done += points.length;
    elapsed = performance.now() - started;
  } while (elapsed < seconds * 1000);
  const cpu = process.cpuUsage(cpuBefore);
  return { perSecond: Math.round(done / (elapsed / 1000)), cpuMicrosecondsEach: +((cpu.user + cpu.system) / done).toFixed(2) };
}

const same = (a, b) => a.length === b.length && a.every((f, i) => f.distanceMetres === b[i].distanceMetres && f.latitude === b[i].latitude && f.longitude === b[i].longitude);

for (const n of sizes) {
  for (const data of ['synthetic', 'world']) {
    const source = () => (data === 'synthetic' ? syntheticFeatures(n, 11) : worldFeatures(n, 11));
    let started = performance.now();
    const index = new FeatureIndex();
    await index.loadBatches(batches(source()), n);
    const rbushSeconds = (performance.now() - started) / 1000;
    started = performance.now();
    const flatbush = new Flatbush(n, 16, Int32Array);
    for (const { latitude, longitude } of source()) flatbush.add(longitude, latitude, longitude, latitude);
    flatbush.finish();
    const flatbushSeconds = (performance.now() - started) / 1000;
    const tree = packedTreeOf(flatbush);
    // The index's columns (private in TypeScript) hold the names, by insertion number + 1 (ids start at 1).
    const columns = index.columns;
    const nameOf = (position) => columns.name(tree.indices[position] + 1);

    const random = createRandom(n + 7);
    const anywhere = Array.from({ length: queryCount }, () => ({
      latitude: Math.round(-900_000_000 + random() * 1_800_000_000),
      longitude: Math.round(-1_800_000_000 + random() * 3_600_000_000),
    }));
    const atFeatures = Array.from({ length: queryCount }, () => {
      const id = 1 + Math.floor(random() * n);
      return { latitude: columns.latitude(id), longitude: columns.longitude(id) };
    });
    for (const [queries, points] of [['anywhere', anywhere], ['at features', atFeatures]]) {
      for (const namedOnly of [false, true]) {
        const options = { limit: K, maxDistanceMetres: Infinity, namedOnly };
        const packed = (point) => findNearestPacked(tree, nameOf, point, options, make);
        const dynamic = (point) => index.nearest(point, options, make);
        const differing = points.slice(0, 2_000).filter((point) => !same(packed(point), dynamic(point))).length;
        const result = { n, data, queries, k: K, namedOnly, packed: rate(points, packed), rbush: rate(points, dynamic), differingAnswersOf2000: differing };
        if (!namedOnly) result.flatbushPlanar = rate(points, (point) => flatbush.neighbors(point.longitude, point.latitude, K));
        result.buildSeconds = { rbush: +rbushSeconds.toFixed(1), flatbush: +flatbushSeconds.toFixed(1) };
        process.stdout.write(JSON.stringify(result) + '\n');
      }
    }
  }
}
