import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { haversineMetres } from '../../src/geo/distance.js';
import { haversinAbove, haversinFromBelow, RADIANS_PER_E7 } from '../../src/index/great-circle-bound.js';

const latitude = fc.integer({ min: -900_000_000, max: 900_000_000 });
const longitude = fc.integer({ min: -1_800_000_000, max: 1_800_000_000 });
const nearEdge = fc.oneof(fc.integer({ min: 1_700_000_000, max: 1_800_000_000 }), fc.integer({ min: -1_800_000_000, max: -1_700_000_000 }));
const anyLongitude = fc.oneof(longitude, nearEdge);

describe('haversinFromBelow', () => {
  it('never drops a box holding a feature within the distance: its bound is below haversinAbove of that feature\'s distance', () => {
    fc.assert(
      fc.property(
        fc.record({ latitude, longitude: anyLongitude }),
        fc.tuple(latitude, latitude),
        fc.tuple(anyLongitude, anyLongitude),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (from, [y0, y1], [x0, x1], u, v) => {
          const [minY, maxY] = [Math.min(y0, y1), Math.max(y0, y1)];
          const [minX, maxX] = [Math.min(x0, x1), Math.max(x0, x1)];
          const inside = { latitude: Math.round(minY + u * (maxY - minY)), longitude: Math.round(minX + v * (maxX - minX)) };
          const bound = haversinFromBelow(from.latitude, from.longitude, Math.cos(from.latitude * RADIANS_PER_E7), minX, minY, maxX, maxY);
          expect(bound).toBeLessThanOrEqual(haversinAbove(haversineMetres(from, inside)));
        },
      ),
      { numRuns: 5_000 },
    );
  });

  it('reaches a box across the antimeridian the short way round', () => {
    const bound = haversinFromBelow(0, 1_799_000_000, 1, -1_800_000_000, -10_000_000, -1_790_000_000, 10_000_000);
    // One tenth of a degree of longitude at the equator, not 359.9 degrees.
    expect(bound).toBeLessThan(haversinAbove(12_000));
    expect(bound).toBeGreaterThan(haversinAbove(10_000) / 2);
  });
});
