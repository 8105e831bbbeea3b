import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FeatureIndex } from '../../src/index/feature-index.js';
import { findNearestPacked } from '../../src/index/packed-nearest.js';
import { compareNearest, mergeNearest, NearestAnswer, type NearestFound } from '../../src/index/nearest-order.js';
import { bruteForce, features, packFeatures, queryParts, toQuery } from '../support/nearest-cases.js';

const record = (name: string, latitude: number, longitude: number, distanceMetres: number): NearestFound => ({ name, latitude, longitude, distanceMetres });
const asFound = (f: NearestFound) => ({ name: f.name, latitude: f.latitude, longitude: f.longitude, distance: f.distanceMetres });

describe('compareNearest', () => {
  it('puts the nearer first, then on equal distance the southern, then the western', () => {
    const sorted = [record('d', 5, 5, 2), record('c', 1, 9, 1), record('b', 1, -9, 1), record('a', -1, 9, 1)].sort(compareNearest);
    expect(sorted.map((f) => f.name)).toEqual(['a', 'b', 'c', 'd']);
    expect(compareNearest(record('x', 1, 1, 1), record('y', 1, 1, 1))).toBe(0);
  });
});

describe('mergeNearest', () => {
  it('answers over the packed base and the recent tree together as a brute-force scan over both', () => {
    fc.assert(
      fc.property(features(400, 1), fc.nat(), fc.array(queryParts, { minLength: 1, maxLength: 6 }), (stored, split, queries) => {
        const cut = split % (stored.length + 1);
        const base = stored.slice(0, cut);
        const recent = new FeatureIndex();
        recent.load(stored.slice(cut));
        const packed = base.length === 0 ? null : packFeatures(base);
        for (const parts of queries) {
          const query = toQuery(parts, stored);
          const options = { limit: query.limit, maxDistanceMetres: query.maxDistance, namedOnly: query.namedOnly };
          const fromBase = packed === null ? [] : findNearestPacked(packed.tree, packed.nameOf, query.point, options, record);
          const fromRecent = recent.nearest(query.point, options, record);
          expect(mergeNearest(fromBase, fromRecent, query.limit, compareNearest).map(asFound)).toEqual(bruteForce(stored, query));
        }
      }),
      { numRuns: 200 },
    );
  }, 60_000);

  it('keeps at most the limit, and the first answer\'s feature first on a tie', () => {
    const a = [record('a1', 0, 0, 1), record('a2', 0, 0, 3)];
    const b = [record('b1', 0, 0, 1), record('b2', 0, 0, 2)];
    expect(mergeNearest(a, b, 3, compareNearest).map((f) => f.name)).toEqual(['a1', 'b1', 'b2']);
    expect(mergeNearest(a, [], 5, compareNearest).map((f) => f.name)).toEqual(['a1', 'a2']);
  });
});

describe('NearestAnswer', () => {
  it('keeps the limit best in the answer\'s order, growing past its first capacity', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.integer({ min: -3, max: 3 }), fc.integer({ min: -3, max: 3 })), {
          selector: ([, latitude, longitude]) => `${latitude},${longitude}`,
        }),
        fc.integer({ min: 1, max: 60 }),
        (offered, limit) => {
          const answer = new NearestAnswer();
          answer.start(limit);
          offered.forEach(([distance, latitude, longitude], id) => answer.offer(id, distance, latitude, longitude));
          answer.sort();
          const kept = Array.from({ length: answer.size }, (_, i) => [answer.distances[i], answer.latitudes[i], answer.longitudes[i]]);
          const expected = [...offered].sort((x, y) => x[0] - y[0] || x[1] - y[1] || x[2] - y[2]).slice(0, limit);
          expect(kept).toEqual(expected);
        },
      ),
    );
  });
});
