import { afterEach, describe, expect, it } from 'vitest';
import { openStorage } from '../../../src/storage/open-storage.js';
import type { FeatureRecord, Storage } from '../../../src/storage/storage.js';
import { createTestDatabase, HAVE_POSTGRES } from '../../support/postgres.js';
import { collect } from '../../support/servers.js';
import { pausedInput } from '../../support/paused-input.js';

describe.skipIf(!HAVE_POSTGRES)('PostgreSQL import', () => {
  const opened: Storage[] = [];
  afterEach(async () => {
    for (const storage of opened.splice(0)) await storage.close();
  });
  async function open(url: string): Promise<Storage> {
    const storage = await openStorage(url);
    opened.push(storage);
    return storage;
  }

  it('an import neither blocks note writers nor shows readers part of it before it commits', async () => {
    const url = await createTestDatabase('beside');
    const importer = await open(url);
    const server = await open(url);
    await server.insertFeatures([{ name: 'before', latitude: -5, longitude: -5 }]);
    const input = pausedInput(20_000);
    const importing = importer.insertFeatures(input.features);
    await input.middle;
    await server.addNotes([{ latitude: 1, longitude: 1, message: 'written during the import' }]);
    expect(await server.countFeatures()).toBe(1);
    input.carryOn();
    expect(await importing).toEqual({ inserted: 20_000, duplicates: 0 });
    expect(await server.notesAt(1, 1, 10)).toEqual([{ latitude: 1, longitude: 1, message: 'written during the import' }]);
    expect(await server.countFeatures()).toBe(20_001);
  }, 30_000);

  it('keeps names with tabs, line breaks, backslashes and non-ASCII through COPY exactly', async () => {
    const storage = await open(await createTestDatabase('names'));
    const names = ['tab\there', 'line\nbreak\r\nand more', 'back\\slash \\N', '\\', 'café ☕ 東京', ''];
    const features: FeatureRecord[] = names.map((name, i) => ({ name, latitude: i, longitude: i }));
    expect(await storage.insertFeatures(features)).toEqual({ inserted: names.length, duplicates: 0 });
    const stored = (await collect(storage.scanFeatures())).flat().sort((a, b) => a.latitude - b.latitude);
    expect(stored).toEqual(features);
  });

  it('two storages importing overlapping points at once both commit; each point is stored once and counted once as a duplicate', async () => {
    const url = await createTestDatabase('together');
    const [first, second] = [await open(url), await open(url)];
    const make = (from: number, to: number, tag: string): FeatureRecord[] =>
      Array.from({ length: to - from }, (_, i) => ({ name: `${tag} ${from + i}`, latitude: from + i, longitude: 7 }));
    const results = await Promise.all([first.insertFeatures(make(0, 30_000, 'a')), second.insertFeatures(make(20_000, 50_000, 'b'))]);
    expect(results.map((summary) => summary.inserted + summary.duplicates)).toEqual([30_000, 30_000]);
    expect(results[0]!.duplicates + results[1]!.duplicates).toBe(10_000);
    expect(await first.countFeatures()).toBe(50_000);
  }, 30_000);
});
