import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readFeatureFile } from '../../src/feature-files/read-feature-file.js';
import { openStorage } from '../../src/storage/open-storage.js';
import type { Storage, FeatureRecord } from '../../src/storage/storage.js';
import { collect, temporaryDirectory } from '../support/servers.js';
import { pausedInput } from '../support/paused-input.js';

let directory: ReturnType<typeof temporaryDirectory>;
const opened: Storage[] = [];
beforeEach(() => {
  directory = temporaryDirectory('routeguide-import-storage-');
});
afterEach(async () => {
  for (const storage of opened.splice(0)) await storage.close();
  directory.remove();
});

async function open(url: string, options: Parameters<typeof openStorage>[1] = {}): Promise<Storage> {
  const storage = await openStorage(url, { cwd: directory.path, ...options });
  opened.push(storage);
  return storage;
}

async function all(storage: Storage): Promise<FeatureRecord[]> {
  return (await collect(storage.scanFeatures())).flat();
}

// The import behaviour every backend shares, written once.
describe.each(['memory:', 'sqlite:./features.db'])('insertFeatures on %s', (url) => {
  it('keeps the first of several features at one point and counts the rest as duplicates', async () => {
    const storage = await open(url);
    await storage.insertFeatures([{ name: 'stored before', latitude: 5, longitude: 5 }]);
    const summary = await storage.insertFeatures([
      { name: 'first', latitude: 1, longitude: 2 },
      { name: 'second', latitude: 1, longitude: 2 },
      { name: 'new name, old point', latitude: 5, longitude: 5 },
      { name: 'other', latitude: -1, longitude: -2 },
    ]);
    expect(summary).toEqual({ inserted: 2, duplicates: 2 });
    const byName = (await all(storage)).map((feature) => feature.name).sort();
    expect(byName).toEqual(['first', 'other', 'stored before']);
  });

  it('writes nothing when a record late in a large file is bad, and names that entry', async () => {
    const lines = ['name,latitude,longitude'];
    for (let i = 0; i < 50_000; i++) lines.push(`"place ${i}, somewhere",${(i / 1000).toFixed(4)},${(-i / 1000).toFixed(4)}`);
    lines[49_001] = '"a bad one, late",12.5,181';
    const path = join(directory.path, 'late-error.csv');
    writeFileSync(path, lines.join('\n') + '\n');
    const storage = await open(url);
    await expect(storage.insertFeatures(readFeatureFile(path).features)).rejects.toThrow(
      /late-error\.csv: entry 49000 \(line 49002\): longitude "181" must be a number of degrees between -180 and 180/,
    );
    expect(await storage.countFeatures()).toBe(0);
  }, 30_000);
});

describe('SQLite import beside a running server', () => {
  it('leaves the database writable for notes while the import reads its input', async () => {
    const importer = await open('sqlite:./shared.db');
    // The server's connection, with no busy timeout at all: a held write lock would fail at once.
    const server = await open('sqlite:./shared.db', { busyTimeoutMs: 0 });
    const input = pausedInput(60_000);
    const importing = importer.insertFeatures(input.features);
    await input.middle;
    await server.addNotes([{ latitude: 1, longitude: 1, message: 'written during the import' }]);
    input.carryOn();
    expect(await importing).toEqual({ inserted: 60_000, duplicates: 0 });
    expect(await server.notesAt(1, 1, 10)).toEqual([{ latitude: 1, longitude: 1, message: 'written during the import' }]);
    // The import is visible to a connection that reads after it committed.
    expect(await server.countFeatures()).toBe(60_000);
  }, 30_000);
});
