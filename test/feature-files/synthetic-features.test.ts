import { describe, expect, it } from 'vitest';
import { syntheticFeatures } from '../../src/feature-files/synthetic-features.js';
import { MAX_LATITUDE_E7, MAX_LONGITUDE_E7 } from '../../src/geo/e7.js';

describe('synthetic features', () => {
  it('are the same for the same seed and differ for another', () => {
    const first = [...syntheticFeatures(2_000, 42)];
    expect([...syntheticFeatures(2_000, 42)]).toEqual(first);
    expect([...syntheticFeatures(2_000, 43)]).not.toEqual(first);
  });

  it('are valid E7 points, about a tenth of them unnamed', () => {
    const features = [...syntheticFeatures(10_000, 7)];
    expect(features).toHaveLength(10_000);
    for (const { latitude, longitude } of features) {
      expect(Number.isInteger(latitude) && Math.abs(latitude) <= MAX_LATITUDE_E7).toBe(true);
      expect(Number.isInteger(longitude) && Math.abs(longitude) <= MAX_LONGITUDE_E7).toBe(true);
    }
    const unnamed = features.filter((feature) => feature.name === '').length;
    expect(unnamed).toBeGreaterThan(800);
    expect(unnamed).toBeLessThan(1_200);
  });

  it('cluster: the busiest one-degree cell holds far more than an even spread would', () => {
    const cells = new Map<string, number>();
    for (const { latitude, longitude } of syntheticFeatures(10_000, 3)) {
      const cell = `${Math.floor(latitude / 1e7)},${Math.floor(longitude / 1e7)}`;
      cells.set(cell, (cells.get(cell) ?? 0) + 1);
    }
    // An even spread over the ~40,000 inhabited one-degree cells would put about one feature in each.
    expect(Math.max(...cells.values())).toBeGreaterThan(100);
  });
});
