import { describe, expect, it } from 'vitest';
import { ImportRows } from '../../../src/storage/sqlite/import-rows.js';
import { createRandom } from '../../../src/feature-files/synthetic-features.js';

function rowsOf(points: readonly [number, number, string][], budget = Number.MAX_SAFE_INTEGER): ImportRows {
  const rows = new ImportRows(budget);
  for (const [latitude, longitude, name] of points) rows.add({ latitude, longitude, name });
  return rows;
}

describe('ImportRows', () => {
  it('orders rows by latitude, then longitude, then input order, over the whole E7 range', () => {
    const random = createRandom(7);
    const pick = (limit: number) => [-limit, limit, 0, -1, 1, 65_535, 65_536, -65_536][Math.floor(random() * 8)]! + Math.floor(random() * 3) - 1;
    const points: [number, number, string][] = [];
    for (let i = 0; i < 30_000; i++) {
      const latitude = random() < 0.5 ? pick(900_000_000 - 1) : Math.floor((random() * 2 - 1) * 900_000_000);
      const longitude = random() < 0.5 ? pick(1_800_000_000 - 1) : Math.floor((random() * 2 - 1) * 1_800_000_000);
      points.push([latitude, longitude, `p${i}`]);
      // Repeated points, later in the input.
      if (random() < 0.2) points.push([latitude, longitude, `again ${i}`]);
    }
    points.push([-900_000_000, -1_800_000_000, 'corner'], [900_000_000, 1_800_000_000, 'other corner']);
    const expected = points.map((_, i) => i).sort((a, b) => points[a]![0] - points[b]![0] || points[a]![1] - points[b]![1] || a - b);
    expect([...rowsOf(points).sortedOrder()]).toEqual(expected);
  });

  it('gives back every name as it was added, across its chunks of joined names', () => {
    const names = Array.from({ length: 40_000 }, (_, i) => (i % 10 === 0 ? '' : i % 7 === 0 ? `Zürich, 東京 "${i}",\nline` : `name ${i}`));
    const rows = rowsOf(names.map((name, i) => [i, -i, name]));
    expect(rows.length).toBe(40_000);
    expect(Array.from({ length: rows.length }, (_, i) => rows.name(i))).toEqual(names);
    expect(rows.samePoint(3, 3)).toBe(true);
    expect(rows.samePoint(3, 4)).toBe(false);
  });

  it('is full once its rows take more than the budget', () => {
    const rows = new ImportRows(1_000);
    let added = 0;
    while (!rows.full) {
      rows.add({ latitude: added, longitude: 0, name: 'x'.repeat(10) });
      added++;
    }
    expect(added).toBe(30); // 34 bytes a row: 24 plus the name's 10 characters.
  });
});
