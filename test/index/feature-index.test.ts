import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FeatureIndex, type Box } from '../../src/index/feature-index.js';
import type { FeatureRecord } from '../../src/storage/storage.js';

const key = (f: FeatureRecord) => `${f.latitude},${f.longitude}`;
const sorted = (features: Iterable<FeatureRecord>) => [...features].map(key).sort();

function bruteForce(features: readonly FeatureRecord[], box: Box): FeatureRecord[] {
  return features.filter(
    (f) =>
      f.latitude >= box.minLatitude &&
      f.latitude <= box.maxLatitude &&
      f.longitude >= box.minLongitude &&
      f.longitude <= box.maxLongitude,
  );
}

/** Distinct points on a small grid, so that rectangles often land exactly on features' edges. */
const featureSet = fc.uniqueArray(
  fc.record({
    latitude: fc.integer({ min: -50, max: 50 }).map((v) => v * 18_000_000),
    longitude: fc.integer({ min: -50, max: 50 }).map((v) => v * 36_000_000),
    name: fc.constantFrom('', 'a', 'b'),
  }),
  { selector: key, maxLength: 400 },
);

const box = fc
  .tuple(
    fc.integer({ min: -50, max: 50 }),
    fc.integer({ min: -50, max: 50 }),
    fc.integer({ min: -50, max: 50 }),
    fc.integer({ min: -50, max: 50 }),
  )
  .map(([a, b, c, d]) => ({
    minLatitude: Math.min(a, b) * 18_000_000,
    maxLatitude: Math.max(a, b) * 18_000_000,
    minLongitude: Math.min(c, d) * 36_000_000,
    maxLongitude: Math.max(c, d) * 36_000_000,
  }));

describe('FeatureIndex', () => {
  it('rectangle queries equal a brute-force scan on random data, edges included (bulk load)', () => {
    fc.assert(
      fc.property(featureSet, fc.array(box, { minLength: 1, maxLength: 10 }), (features, boxes) => {
        const index = new FeatureIndex();
        index.load(features);
        for (const b of boxes) expect(sorted(index.within(b))).toEqual(sorted(bruteForce(features, b)));
      }),
      { numRuns: 200 },
    );
  });

  it('rectangle queries equal a brute-force scan when built by single inserts', () => {
    fc.assert(
      fc.property(featureSet, box, (features, b) => {
        const index = new FeatureIndex();
        for (const f of features) index.insert(f);
        expect(index.size).toBe(features.length);
        expect(sorted(index.within(b))).toEqual(sorted(bruteForce(features, b)));
      }),
      { numRuns: 100 },
    );
  });

  it('finds the feature at an exact point, and nothing one E7 unit away', () => {
    fc.assert(
      fc.property(featureSet, (features) => {
        const index = new FeatureIndex();
        index.load(features);
        for (const f of features) {
          expect(index.at(f.latitude, f.longitude)).toEqual(f);
          expect(index.at(f.latitude + 1, f.longitude)).toBeUndefined();
        }
      }),
      { numRuns: 50 },
    );
  });

  it('refuses a second feature at a taken point', () => {
    const index = new FeatureIndex();
    expect(index.insert({ latitude: 1, longitude: 1, name: 'first' })).toBe(true);
    expect(index.insert({ latitude: 1, longitude: 1, name: 'second' })).toBe(false);
    expect(index.size).toBe(1);
    expect(index.at(1, 1)?.name).toBe('first');
  });

  it('answers an empty index with nothing', () => {
    const index = new FeatureIndex();
    expect([...index.within({ minLatitude: -1, maxLatitude: 1, minLongitude: -1, maxLongitude: 1 })]).toEqual([]);
    expect(index.at(0, 0)).toBeUndefined();
  });

  it('inserts after a bulk load keep queries exact', () => {
    const index = new FeatureIndex();
    const loaded = Array.from({ length: 500 }, (_, i) => ({ latitude: i * 1000, longitude: -i * 1000 - 1, name: '' }));
    index.load(loaded);
    const extra = Array.from({ length: 200 }, (_, i) => ({ latitude: i * 1000 + 500, longitude: -i * 1000, name: 'x' }));
    for (const f of extra) index.insert(f);
    const everything = { minLatitude: -900000000, maxLatitude: 900000000, minLongitude: -1800000000, maxLongitude: 1800000000 };
    expect(sorted(index.within(everything))).toEqual(sorted([...loaded, ...extra]));
  });
});
