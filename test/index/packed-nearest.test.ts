import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { haversineMetres } from '../../src/geo/distance.js';
import type { FeatureRecord } from '../../src/geo/feature.js';
import { findNearestPacked, type PackedTree } from '../../src/index/packed-nearest.js';
import { createRandom } from '../../src/feature-files/synthetic-features.js';
import { bruteForce, features, found, key, packFeatures, queryParts, toQuery, type Found, type Query } from '../support/nearest-cases.js';

function fromPacked(packed: { tree: PackedTree; nameOf: (position: number) => string }, query: Query): Found[] {
  return findNearestPacked(packed.tree, packed.nameOf, query.point, { limit: query.limit, maxDistanceMetres: query.maxDistance, namedOnly: query.namedOnly }, found);
}

const everything = (point: Query['point'], limit = 10): Query => ({ point, limit, maxDistance: Infinity, namedOnly: false });

/** Distinct random points over the whole world, a fifth unnamed. */
function worldFeatures(count: number, seed: number): FeatureRecord[] {
  const random = createRandom(seed);
  const byPoint = new Map<string, FeatureRecord>();
  while (byPoint.size < count) {
    const latitude = Math.round(-900_000_000 + random() * 1_800_000_000);
    const longitude = Math.round(-1_800_000_000 + random() * 3_600_000_000);
    byPoint.set(key({ latitude, longitude }), { name: random() < 0.2 ? '' : `feature ${byPoint.size}`, latitude, longitude });
  }
  return [...byPoint.values()];
}

describe('findNearestPacked', () => {
  it('equals a brute-force sort by (distance, latitude, longitude) on random data near the antimeridian and the poles, for any node size', () => {
    fc.assert(
      fc.property(features(600, 1), fc.constantFrom(2, 3, 4, 16), fc.array(queryParts, { minLength: 1, maxLength: 8 }), (stored, nodeSize, queries) => {
        const packed = packFeatures(stored, nodeSize);
        for (const parts of queries) {
          const query = toQuery(parts, stored);
          expect(fromPacked(packed, query)).toEqual(bruteForce(stored, query));
        }
      }),
      { numRuns: 400 },
    );
  }, 60_000);

  it('equals a brute-force sort on a few thousand points, with the 16-wide nodes the index uses', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2_000, max: 5_000 }), fc.nat(), fc.array(queryParts, { minLength: 20, maxLength: 20 }), (count, seed, queries) => {
        const stored = worldFeatures(count, seed);
        const packed = packFeatures(stored);
        for (const parts of queries) {
          const query = toQuery(parts, stored);
          expect(fromPacked(packed, query)).toEqual(bruteForce(stored, query));
        }
      }),
      { numRuns: 10 },
    );
  }, 60_000);

  it('answers from a lone root node when there are no more features than a node holds', () => {
    const stored = worldFeatures(16, 7);
    const packed = packFeatures(stored, 16);
    expect(packed.tree.levelBounds).toHaveLength(2);
    for (const point of [{ latitude: 0, longitude: 0 }, { latitude: 899_999_999, longitude: -1_800_000_000 }]) {
      expect(fromPacked(packed, everything(point, 5))).toEqual(bruteForce(stored, everything(point, 5)));
      expect(fromPacked(packed, everything(point, 100))).toEqual(bruteForce(stored, everything(point, 100)));
    }
    const one = packFeatures([{ name: 'only', latitude: 1, longitude: 2 }]);
    expect(fromPacked(one, everything({ latitude: 0, longitude: 0 }))).toEqual([found('only', 1, 2, haversineMetres({ latitude: 0, longitude: 0 }, { latitude: 1, longitude: 2 }))]);
  });

  it('answers nothing from a tree without features, or for a limit of 0', () => {
    const empty: PackedTree = { boxes: new Int32Array(0), indices: new Uint16Array(0), levelBounds: [0], nodeSize: 16, numItems: 0 };
    expect(fromPacked({ tree: empty, nameOf: () => 'never' }, everything({ latitude: 0, longitude: 0 }))).toEqual([]);
    const packed = packFeatures(worldFeatures(100, 3));
    expect(fromPacked(packed, everything({ latitude: 0, longitude: 0 }, 0))).toEqual([]);
  });

  it('orders features at exactly the same distance by latitude, then longitude, and includes those exactly at the maximum distance', () => {
    // Mirrored about the equator and about the query's meridian: pairs at exactly equal distances.
    const stored: FeatureRecord[] = [
      { name: 'north', latitude: 10_000_000, longitude: 1_795_000_000 },
      { name: 'south', latitude: -10_000_000, longitude: 1_795_000_000 },
      { name: 'north-east', latitude: 20_000_000, longitude: -1_795_000_000 },
      { name: 'south-east', latitude: -20_000_000, longitude: -1_795_000_000 },
      { name: '', latitude: 0, longitude: 1_700_000_000 },
    ];
    const packed = packFeatures(stored, 2);
    const from = { latitude: 0, longitude: 1_795_000_000 };
    const atNorth = haversineMetres(from, stored[0]!);
    expect(haversineMetres(from, stored[1]!)).toBe(atNorth);
    const query = { point: from, limit: 10, maxDistance: atNorth, namedOnly: false };
    expect(fromPacked(packed, query).map((f) => f.name)).toEqual(['south', 'north']);
    expect(fromPacked(packed, { ...query, maxDistance: Infinity }).map((f) => f.name)).toEqual(['south', 'north', 'south-east', 'north-east', '']);
    expect(fromPacked(packed, { ...query, maxDistance: Math.max(0, atNorth - 1e-6) })).toEqual([]);
    // The limit cuts between two features at the same distance: the southern one stays.
    expect(fromPacked(packed, { ...query, limit: 1 }).map((f) => f.name)).toEqual(['south']);
    // Four corners at one distance: south-west, south-east, north-west, north-east.
    const corners = [1, -1].flatMap((latitude) => [1, -1].map((longitude) => ({ name: `${latitude},${longitude}`, latitude: latitude * 10_000_000, longitude: longitude * 10_000_000 })));
    const answer = fromPacked(packFeatures(corners, 2), everything({ latitude: 0, longitude: 0 }, 3));
    expect(new Set(answer.map((f) => f.distance)).size).toBe(1);
    expect(answer.map((f) => f.name)).toEqual(['-1,-1', '-1,1', '1,-1']);
  });

  it('with a maximum distance of 0 finds only a feature at exactly the point', () => {
    const packed = packFeatures([
      { name: 'here', latitude: 100, longitude: -200 },
      { name: 'a step away', latitude: 101, longitude: -200 },
    ]);
    expect(fromPacked(packed, { point: { latitude: 100, longitude: -200 }, limit: 10, maxDistance: 0, namedOnly: false })).toEqual([found('here', 100, -200, 0)]);
  });

  it('finds features across the antimeridian: a point at longitude 179.9 finds one at -179.9 first', () => {
    const stored = [{ name: 'east of the line', latitude: 0, longitude: -1_799_000_000 }, { name: 'far west', latitude: 0, longitude: 1_780_000_000 }, ...worldFeatures(500, 5)];
    const answer = fromPacked(packFeatures(stored), everything({ latitude: 0, longitude: 1_799_000_000 }, 1));
    expect(answer.map((f) => f.name)).toEqual(['east of the line']);
    expect(answer[0]!.distance).toBeCloseTo(22_239, 0);
  });

  it('finds the features across a pole first from near it', () => {
    const stored = [
      { name: 'across the pole', latitude: 899_000_000, longitude: -1_790_000_000 },
      { name: 'same meridian, further', latitude: 895_000_000, longitude: 10_000_000 },
      ...worldFeatures(500, 6).filter((f) => f.latitude < 850_000_000),
    ];
    const answer = fromPacked(packFeatures(stored), everything({ latitude: 899_000_000, longitude: 10_000_000 }, 2));
    expect(answer.map((f) => f.name)).toEqual(['across the pole', 'same meridian, further']);
  });

  it('skips unnamed features when asked, reading names only for that and for the answer', () => {
    const stored = worldFeatures(3_000, 9);
    const packed = packFeatures(stored);
    let reads = 0;
    const counted = { tree: packed.tree, nameOf: (position: number) => (reads++, packed.nameOf(position)) };
    const query = everything({ latitude: 12_345_678, longitude: -98_765_432 }, 10);
    expect(fromPacked(counted, query)).toEqual(bruteForce(stored, query));
    expect(reads).toBe(10);
    const named = { ...query, namedOnly: true };
    const answer = fromPacked(counted, named);
    expect(answer).toEqual(bruteForce(stored, named));
    expect(answer.every((f) => f.name !== '')).toBe(true);
  });

  it('lets make search again', () => {
    const stored = worldFeatures(1_000, 4);
    const packed = packFeatures(stored);
    const query = everything({ latitude: 0, longitude: 0 }, 5);
    const inner = everything({ latitude: 500_000_000, longitude: 500_000_000 }, 3);
    const options = { limit: query.limit, maxDistanceMetres: Infinity, namedOnly: false };
    const answers = findNearestPacked(packed.tree, packed.nameOf, query.point, options, (name, latitude, longitude, distance) => ({
      found: found(name, latitude, longitude, distance),
      inner: fromPacked(packed, inner),
    }));
    expect(answers.map((a) => a.found)).toEqual(bruteForce(stored, query));
    for (const answer of answers) expect(answer.inner).toEqual(bruteForce(stored, inner));
  });
});
