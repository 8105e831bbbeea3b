import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { FeatureRecord } from '../../../src/storage/storage.js';
import { collect } from '../../support/servers.js';
import { useSqliteFile } from '../../support/sqlite-file.js';

const database = useSqliteFile('routeguide-import-', 'import.db');
const open = database.open;

/** Points on a small grid, in a scrambled order, each repeated (with another name) later in the input. */
function scrambled(count: number): FeatureRecord[] {
  const first: FeatureRecord[] = [];
  for (let i = 0; i < count; i++) {
    const cell = (i * 7919) % count;
    first.push({ name: `first ${cell}`, latitude: (cell % 50) * 1_000 - 20_000, longitude: Math.floor(cell / 50) * -1_000 + 3 });
  }
  return [...first, ...first.map((feature) => ({ ...feature, name: feature.name.replace('first', 'later') }))];
}

// An input that fits the memory budget is sorted in JS; a larger one is staged and sorted by SQLite.
describe.each([
  ['sorted in memory', undefined],
  ['staged in SQLite', 1],
])('an import %s', (_, importMemoryBytes) => {
  it('keeps the first feature at each point, and a point already stored keeps its feature', async () => {
    const storage = await open({ importMemoryBytes, importBatchRows: 700 });
    await storage.insertFeatures([{ name: 'stored before', latitude: -20_000, longitude: 3 }]);
    const input = scrambled(5_000);
    const batches: [number, number][] = [];
    const importer = await open({ importMemoryBytes, importBatchRows: 700, onImportBatch: (copied, total) => void batches.push([copied, total]) });
    expect(await importer.insertFeatures(input)).toEqual({ inserted: 4_999, duplicates: 5_001 });
    // Every input row counts in the positions reported, duplicates too.
    expect(batches).toHaveLength(15);
    expect(batches.at(-1)).toEqual([10_000, 10_000]);
    const stored = (await collect(storage.scanFeatures())).flat();
    expect(stored).toHaveLength(5_000);
    expect(stored.filter((feature) => !feature.name.startsWith('first '))).toEqual([{ name: 'stored before', latitude: -20_000, longitude: 3 }]);
    const sorted = [...stored].sort((a, b) => a.latitude - b.latitude || a.longitude - b.longitude);
    expect(stored).toEqual(sorted);
  });

  it('reads an asynchronous input to its end, names included byte for byte', async () => {
    const names = ['', 'Zürich, "Hauptbahnhof"', '東京\nline two', 'a,b;c', '😀'];
    async function* input(): AsyncGenerator<FeatureRecord> {
      for (let i = 0; i < 3_000; i++) yield { name: names[i % names.length]!, latitude: i, longitude: -i };
    }
    const storage = await open({ importMemoryBytes });
    expect(await storage.insertFeatures(input())).toEqual({ inserted: 3_000, duplicates: 0 });
    const stored = (await collect(storage.scanFeatures())).flat();
    expect(stored.map((feature) => feature.name)).toEqual(Array.from({ length: 3_000 }, (_, i) => names[i % names.length]));
  });

  it('stores nothing when the input fails part-way, and closes the input', async () => {
    let closed = false;
    async function* input(): AsyncGenerator<FeatureRecord> {
      try {
        for (let i = 0; i < 2_000; i++) yield { name: `f${i}`, latitude: i, longitude: i };
        throw new Error('bad record at 2000');
      } finally {
        closed = true;
      }
    }
    const storage = await open({ importMemoryBytes });
    await expect(storage.insertFeatures(input())).rejects.toThrow('bad record at 2000');
    expect(closed).toBe(true);
    expect(await storage.countFeatures()).toBe(0);
    const db = new Database(database.path, { readonly: true });
    expect(db.prepare('SELECT count(*) FROM features').pluck().get()).toBe(0);
    db.close();
  });
});
