import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runInSlices } from '../../src/common/event-loop.js';
import { syntheticFeatures } from '../../src/feature-files/synthetic-features.js';
import { haversineMetres } from '../../src/geo/distance.js';
import { FeatureIndex, type Box } from '../../src/index/feature-index.js';
import type { FeatureRecord } from '../../src/storage/storage.js';

const key = (f: FeatureRecord) => `${f.latitude},${f.longitude}`;
const sorted = (features: Iterable<FeatureRecord>) => [...features].map(key).sort();
const everywhere: Box = { minLatitude: -900000000, maxLatitude: 900000000, minLongitude: -1800000000, maxLongitude: 1800000000 };

function inside(features: readonly FeatureRecord[], box: Box): FeatureRecord[] {
  return features.filter(
    (f) => f.latitude >= box.minLatitude && f.latitude <= box.maxLatitude && f.longitude >= box.minLongitude && f.longitude <= box.maxLongitude,
  );
}

async function* batchesOf(features: readonly FeatureRecord[], size = 1000): AsyncGenerator<readonly FeatureRecord[]> {
  for (let start = 0; start < features.length; start += size) yield features.slice(start, start + size);
}

/** Batches that stop after `first` until released, so a test can look at the index meanwhile. */
function gatedBatches(first: readonly FeatureRecord[], rest: readonly FeatureRecord[]) {
  let reached!: () => void;
  const paused = new Promise<void>((resolve) => (reached = resolve));
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  async function* batches(): AsyncGenerator<readonly FeatureRecord[]> {
    yield first;
    reached();
    await released;
    yield rest;
  }
  return { batches: batches(), paused, release };
}

const grid = (from: number, count: number, name = 'x'): FeatureRecord[] =>
  Array.from({ length: count }, (_, i) => ({ latitude: (from + i) * 1000, longitude: -(from + i) * 997, name }));

/** Counts the event loop's turns (a setImmediate chain) until stop(). */
function countTurns(): { readonly count: number; stop(): void } {
  let count = 0;
  let counting = true;
  const tick = (): void => {
    count++;
    if (counting) setImmediate(tick);
  };
  setImmediate(tick);
  return {
    get count() {
      return count;
    },
    stop() {
      counting = false;
    },
  };
}

describe('runInSlices', () => {
  it('gives the event loop a turn after each slice of work and returns the result', async () => {
    function* busy(): Generator<void, string> {
      for (let step = 0; step < 20; step++) {
        const until = performance.now() + 2;
        while (performance.now() < until);
        yield;
      }
      return 'built';
    }
    const turns = countTurns();
    const result = await runInSlices(busy(), 10);
    turns.stop();
    expect(result).toBe('built');
    // 40 ms of work in slices of 10 ms: three or four turns between them.
    expect(turns.count).toBeGreaterThanOrEqual(3);
  });
});

describe('FeatureIndex live intake', () => {
  it('takeIn shows no search any feature of the intake until it resolves, then every one', async () => {
    const index = new FeatureIndex();
    index.load(grid(0, 100));
    const gate = gatedBatches(grid(100, 10, 'new'), grid(110, 10, 'new'));
    const intake = index.takeIn(gate.batches);
    await gate.paused;
    expect(index.size).toBe(100);
    expect(index.at(100_000, -99_700)).toBeUndefined();
    expect(sorted(index.within(everywhere))).toEqual(sorted(grid(0, 100)));
    gate.release();
    expect(await intake).toBe(20);
    expect(index.size).toBe(120);
    expect(index.at(100_000, -99_700)?.name).toBe('new');
    expect(sorted(index.within(everywhere))).toEqual(sorted(grid(0, 120)));
  });

  it('lets a search that began before an intake finish on the features it began with', async () => {
    const index = new FeatureIndex();
    index.load(grid(0, 300));
    const walk = index.within(everywhere);
    const seen = [walk.next().value!];
    await index.takeIn(batchesOf(grid(300, 300)));
    for (const feature of walk) seen.push(feature);
    expect(sorted(seen)).toEqual(sorted(grid(0, 300)));
    let visited = 0;
    const visit = index.visitWithin(everywhere, () => true);
    visit.next();
    await index.takeIn(batchesOf(grid(600, 50)));
    for (const _ of visit) visited++;
    // The walk paused after its first hit and then met the other 599 it began with, not the 50 new ones.
    expect(visited).toBe(599);
  });

  it('keeps rectangle, point and nearest answers equal to a brute-force scan across many intakes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 0, max: 300 }),
        async (sizes, loaded) => {
          const all = [...syntheticFeatures(loaded + sizes.reduce((a, b) => a + b, 0), 3)];
          const index = new FeatureIndex();
          index.load(all.slice(0, loaded));
          let at = loaded;
          for (const size of sizes) {
            await index.takeIn(batchesOf(all.slice(at, at + size), 7));
            at += size;
            const present = all.slice(0, at);
            expect(index.size).toBe(at);
            const box = { minLatitude: -300000000, maxLatitude: 500000000, minLongitude: -1000000000, maxLongitude: 900000000 };
            expect(sorted(index.within(box))).toEqual(sorted(inside(present, box)));
            for (const f of present.slice(-5)) expect(index.at(f.latitude, f.longitude)).toEqual(f);
            const point = { latitude: 100000000, longitude: 200000000 };
            const nearest = index.nearest(point, { limit: 3, maxDistanceMetres: Infinity, namedOnly: false }, (_n, latitude, longitude) => key({ latitude, longitude, name: '' }));
            const expected = [...present]
              .sort((a, b) => haversineMetres(point, a) - haversineMetres(point, b) || a.latitude - b.latitude || a.longitude - b.longitude)
              .slice(0, 3)
              .map(key);
            expect(nearest).toEqual(expected);
          }
        },
      ),
      { numRuns: 30 },
    );
  }, 60_000);

  it('publishes nothing of an intake whose batches fail, and takes the next one whole', async () => {
    const index = new FeatureIndex();
    index.load(grid(0, 10));
    async function* failing(): AsyncGenerator<readonly FeatureRecord[]> {
      yield grid(10, 5);
      throw new Error('storage is closed');
    }
    await expect(index.takeIn(failing())).rejects.toThrow('storage is closed');
    expect(index.size).toBe(10);
    expect(index.at(10_000, -9_970)).toBeUndefined();
    expect(await index.takeIn(batchesOf(grid(20, 5)))).toBe(5);
    expect(sorted(index.within(everywhere))).toEqual(sorted([...grid(0, 10), ...grid(20, 5)]));
  });

  it('skips points already indexed when asked to, keeping the first feature there', async () => {
    const index = new FeatureIndex();
    index.load(grid(0, 10, 'old'));
    expect(await index.takeIn(batchesOf([...grid(5, 10, 'new')]), { skipIndexed: true })).toBe(5);
    expect(index.size).toBe(15);
    expect(index.at(5_000, -4_985)?.name).toBe('old');
  });

  it('runs intakes one at a time in call order, each published whole', async () => {
    const index = new FeatureIndex();
    const gate = gatedBatches(grid(0, 5), grid(5, 5));
    const first = index.takeIn(gate.batches);
    const second = index.takeIn(batchesOf(grid(10, 3)));
    await gate.paused;
    expect(index.size).toBe(0);
    gate.release();
    expect(await first).toBe(10);
    expect(await second).toBe(3);
    expect(index.size).toBe(13);
  });

  it('gives other work turns while it builds a large intake', async () => {
    const index = new FeatureIndex();
    index.load([...syntheticFeatures(1000, 1)]);
    const turns = countTurns();
    const added = await index.takeIn(batchesOf([...syntheticFeatures(200_000, 2)].slice(1000), 50_000));
    turns.stop();
    expect(added).toBeGreaterThan(190_000);
    // The batches come from an async generator, which gives no turn to setImmediate: the build does.
    expect(turns.count).toBeGreaterThan(0);
  }, 60_000);
});
