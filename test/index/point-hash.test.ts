import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { syntheticFeatures } from '../../src/feature-files/synthetic-features.js';
import { FeatureColumns } from '../../src/index/feature-columns.js';
import { FeatureIndex } from '../../src/index/feature-index.js';
import { runToEnd } from '../../src/index/packed-tree.js';
import { PointHash } from '../../src/index/point-hash.js';
import type { FeatureRecord } from '../../src/storage/storage.js';

function columnsOf(points: readonly (readonly [number, number])[]): FeatureColumns {
  const columns = new FeatureColumns();
  for (const [latitude, longitude] of points) columns.push('', latitude, longitude);
  return columns;
}

const ALL = Number.MAX_SAFE_INTEGER;

describe('PointHash', () => {
  it('finds every point it holds by its id and no other point, on random points and dense grids', () => {
    const coordinate = fc.integer({ min: -900_000_000, max: 900_000_000 });
    fc.assert(
      fc.property(fc.array(fc.tuple(coordinate, coordinate), { maxLength: 3000 }), fc.integer({ min: 0, max: 60 }), (random, side) => {
        // A grid of points one E7 unit apart: neighbours differ in one low bit, the worst case for a weak hash.
        const grid = Array.from({ length: side * side }, (_, i) => [Math.floor(i / side), i % side] as const);
        const points = [...random, ...grid];
        const columns = columnsOf(points);
        const hash = runToEnd(new PointHash(columns).including(FeatureColumns.FIRST_ID, columns.length));
        const first = new Map<string, number>();
        points.forEach(([latitude, longitude], i) => {
          if (!first.has(`${latitude},${longitude}`)) first.set(`${latitude},${longitude}`, i + FeatureColumns.FIRST_ID);
        });
        expect(hash.count).toBe(first.size);
        for (const [latitude, longitude] of points) expect(hash.find(latitude, longitude, ALL)).toBe(first.get(`${latitude},${longitude}`));
        for (const [latitude, longitude] of points.slice(0, 200)) {
          if (!first.has(`${latitude + 1},${longitude}`)) expect(hash.find(latitude + 1, longitude, ALL)).toBe(-1);
          if (!first.has(`${latitude},${longitude - 1}`)) expect(hash.find(latitude, longitude - 1, ALL)).toBe(-1);
        }
      }),
      { numRuns: 40 },
    );
  });

  it('keeps the first id of a point added twice, and counts the point once', () => {
    const columns = columnsOf([
      [10, 20],
      [30, 40],
      [10, 20],
    ]);
    const hash = runToEnd(new PointHash(columns).including(1, 3));
    expect(hash.find(10, 20, ALL)).toBe(1);
    expect(hash.count).toBe(2);
    // Adding an id it holds again changes nothing.
    expect(runToEnd(hash.including(1, 2))).toBe(hash);
    expect(hash.count).toBe(2);
  });

  it('treats ids past the last one asked about as absent, even when the point is held', () => {
    const columns = columnsOf([
      [1, 1],
      [2, 2],
    ]);
    const hash = runToEnd(new PointHash(columns).including(1, 2));
    expect(hash.find(2, 2, 1)).toBe(-1);
    expect(hash.find(2, 2, 2)).toBe(2);
    expect(hash.find(1, 1, 1)).toBe(1);
  });

  it('adds in place while it stays at most half full, and past that grows into a new table that holds every id', () => {
    const features = [...syntheticFeatures(3000, 7)];
    const columns = new FeatureColumns();
    for (const f of features.slice(0, 400)) columns.push(f.name, f.latitude, f.longitude);
    const small = runToEnd(new PointHash(columns).including(1, 400));
    expect(small.byteLength).toBe(1024 * 4);
    for (const f of features.slice(400, 500)) columns.push(f.name, f.latitude, f.longitude);
    expect(runToEnd(small.including(401, 500))).toBe(small);
    for (const f of features.slice(500)) columns.push(f.name, f.latitude, f.longitude);
    const grown = runToEnd(small.including(501, 3000));
    expect(grown).not.toBe(small);
    expect(grown.byteLength).toBe(8192 * 4);
    expect(grown.count).toBe(3000);
    features.forEach((f, i) => expect(grown.find(f.latitude, f.longitude, ALL)).toBe(i + 1));
  });

  it('pauses a large build every 16,384 ids, while the table in use goes on answering', () => {
    const features = [...syntheticFeatures(40_000, 2)];
    const columns = new FeatureColumns();
    for (const f of features) columns.push(f.name, f.latitude, f.longitude);
    const inUse = runToEnd(new PointHash(columns).including(1, 1000));
    const building = inUse.including(1001, 40_000);
    let pauses = 0;
    let step = building.next();
    for (; !step.done; step = building.next()) {
      pauses++;
      expect(inUse.find(features[0]!.latitude, features[0]!.longitude, ALL)).toBe(1);
      expect(inUse.find(features[39_999]!.latitude, features[39_999]!.longitude, ALL)).toBe(-1);
    }
    expect(pauses).toBe(2);
    expect(step.value.find(features[39_999]!.latitude, features[39_999]!.longitude, ALL)).toBe(40_000);
  });
});

describe('FeatureIndex exact-point lookups during a live intake', () => {
  /** Runs an intake and checks, at every event-loop turn it gives, that none of its points is found yet. */
  async function intakeUnseenUntilPublished(loaded: number, added: number): Promise<void> {
    const all = [...syntheticFeatures(loaded + added, 5)];
    // A turn at every pause of the build, so that every step of it is looked at.
    const index = new FeatureIndex({ intakeSliceMs: 0 });
    index.load(all.slice(0, loaded));
    const fresh = all.slice(loaded);
    const probes = [fresh[0]!, fresh[fresh.length >> 1]!, fresh[fresh.length - 1]!];
    let done = false;
    let turns = 0;
    let seenEarly = 0;
    const look = (): void => {
      if (done) return;
      turns++;
      for (const f of probes) if (index.has(f.latitude, f.longitude) || index.at(f.latitude, f.longitude)) seenEarly++;
      setImmediate(look);
    };
    setImmediate(look);
    async function* batches(): AsyncGenerator<readonly FeatureRecord[]> {
      for (let start = 0; start < fresh.length; start += 50_000) yield fresh.slice(start, start + 50_000);
    }
    expect(await index.takeIn(batches())).toBe(added);
    done = true;
    expect(turns).toBeGreaterThan(0);
    expect(seenEarly).toBe(0);
    for (const f of probes) expect(index.at(f.latitude, f.longitude)).toEqual(f);
    for (const f of all.slice(0, 100)) expect(index.has(f.latitude, f.longitude)).toBe(true);
  }

  it('finds no point of an intake added in place until the intake is published', async () => {
    // 100,000 features take a table of 262,144 slots, which holds 131,072: 30,000 more fit in place.
    await intakeUnseenUntilPublished(100_000, 30_000);
  }, 60_000);

  it('finds no point of an intake that grows the table until the intake is published', async () => {
    await intakeUnseenUntilPublished(20_000, 150_000);
  }, 60_000);

  it('finds no point of a failed intake, and every point of the next one', async () => {
    const all = [...syntheticFeatures(30, 4)];
    const index = new FeatureIndex();
    index.load(all.slice(0, 10));
    async function* failing(): AsyncGenerator<readonly FeatureRecord[]> {
      yield all.slice(10, 20);
      throw new Error('storage is closed');
    }
    await expect(index.takeIn(failing())).rejects.toThrow('storage is closed');
    for (const f of all.slice(10, 20)) expect(index.has(f.latitude, f.longitude)).toBe(false);
    async function* next(): AsyncGenerator<readonly FeatureRecord[]> {
      yield all.slice(20);
    }
    expect(await index.takeIn(next())).toBe(10);
    for (const f of all.slice(20)) expect(index.at(f.latitude, f.longitude)).toEqual(f);
    for (const f of all.slice(10, 20)) expect(index.has(f.latitude, f.longitude)).toBe(false);
  });
});
