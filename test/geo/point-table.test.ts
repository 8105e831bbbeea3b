import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PointTable } from '../../src/geo/point-table.js';

const latitude = fc.integer({ min: -900_000_000, max: 900_000_000 });
const longitude = fc.integer({ min: -1_800_000_000, max: 1_800_000_000 });

describe('PointTable', () => {
  it('gives back what was set at each point, as a Map keyed by the point would, through growth and clearing', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(latitude, longitude, fc.nat({ max: 2 ** 30 })), { maxLength: 300 }), (entries) => {
        const table = new PointTable(2);
        const expected = new Map<string, number>();
        for (const [lat, lng, value] of entries) {
          table.set(lat, lng, value);
          expected.set(`${lat},${lng}`, value);
        }
        expect(table.size).toBe(expected.size);
        for (const [lat, lng] of entries) expect(table.get(lat, lng)).toBe(expected.get(`${lat},${lng}`));
        expect(table.get(1, 1)).toBe(expected.get('1,1') ?? -1);
        table.clear();
        expect(table.size).toBe(0);
        for (const [lat, lng] of entries) expect(table.get(lat, lng)).toBe(-1);
      }),
    );
  });

  it('tells apart points that differ by one E7 unit, and the corners', () => {
    const table = new PointTable();
    const points = [[0, 0], [1, 0], [0, 1], [-1, 0], [900_000_000, 1_800_000_000], [-900_000_000, -1_800_000_000], [900_000_000, -1_800_000_000]] as const;
    points.forEach(([lat, lng], i) => table.set(lat, lng, i));
    points.forEach(([lat, lng], i) => expect(table.get(lat, lng)).toBe(i));
    expect(table.get(1, 1)).toBe(-1);
  });
});
