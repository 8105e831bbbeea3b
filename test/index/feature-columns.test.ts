import { describe, expect, it } from 'vitest';
import { FeatureIndex } from '../../src/index/feature-index.js';
import { syntheticFeatures } from '../../src/feature-files/synthetic-features.js';

describe('FeatureIndex columns and names', () => {
  it('finds the features inside a box, edges included, with their names intact', () => {
    const index = new FeatureIndex();
    index.load([
      { name: 'Zürich, Ärztehaus 🚑', latitude: 10, longitude: 10 },
      { name: '', latitude: 20, longitude: 20 },
      { name: 'outside', latitude: 21, longitude: 10 },
    ]);
    const found = [...index.within({ minLatitude: 10, maxLatitude: 20, minLongitude: 10, maxLongitude: 20 })];
    expect(found.sort((a, b) => a.latitude - b.latitude)).toEqual([
      { name: 'Zürich, Ärztehaus 🚑', latitude: 10, longitude: 10 },
      { name: '', latitude: 20, longitude: 20 },
    ]);
    expect(index.at(21, 10)?.name).toBe('outside');
    expect(index.at(21, 11)).toBeUndefined();
  });

  it('inserts after a bulk load and skips a point already held', () => {
    const index = new FeatureIndex();
    index.load([...syntheticFeatures(5_000, 5)]);
    const before = index.size;
    expect(index.insert({ name: 'new', latitude: 1, longitude: 2 })).toBe(true);
    expect(index.insert({ name: 'again', latitude: 1, longitude: 2 })).toBe(false);
    expect(index.size).toBe(before + 1);
    expect(index.at(1, 2)?.name).toBe('new');
  });

  it('agrees with a plain scan on random boxes', () => {
    const features = [...syntheticFeatures(20_000, 6)];
    const index = new FeatureIndex();
    index.load(features);
    const unique = new Map(features.map((feature) => [`${feature.latitude},${feature.longitude}`, feature]));
    for (const centre of features.slice(0, 20)) {
      const half = 5_000_000;
      const box = {
        minLatitude: centre.latitude - half,
        maxLatitude: centre.latitude + half,
        minLongitude: centre.longitude - half,
        maxLongitude: centre.longitude + half,
      };
      const expected = [...unique.values()].filter(
        (f) => f.latitude >= box.minLatitude && f.latitude <= box.maxLatitude && f.longitude >= box.minLongitude && f.longitude <= box.maxLongitude,
      ).length;
      expect([...index.within(box)]).toHaveLength(expected);
    }
  });
});
