import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildIndexFile } from '../../src/app/index-file-builds.js';
import { seedStorage, type IndexFileEvent } from '../../src/app/seed-storage.js';
import { openIndexFile } from '../../src/index/index-file.js';
import { PAGE_SIZE } from '../../src/index/index-file-format.js';
import { openStorage, readStorageUrl } from '../../src/storage/open-storage.js';
import type { FeatureRecord } from '../../src/storage/storage.js';
import { temporaryDirectory } from '../support/servers.js';

const directory = temporaryDirectory('routeguide-seed-storage-');
afterAll(() => directory.remove());
let databases = 0;

/** Scrambled points, a few of them repeated later in the input under another name. */
function input(count: number, from = 0): FeatureRecord[] {
  const list = Array.from({ length: count }, (_, i) => {
    const cell = from + ((i * 7919) % count);
    return { name: cell % 9 === 0 ? '' : `place ${cell}, "Zürich"`, latitude: (cell % 97) * 10_000, longitude: -Math.floor(cell / 97) * 10_000 };
  });
  return [...list, ...list.slice(0, 50).map((feature) => ({ ...feature, name: `${feature.name} again` }))];
}

async function seed(path: string, features: FeatureRecord[], importMemoryBytes?: number) {
  const events: IndexFileEvent[] = [];
  const options = { onIndexFile: (event: IndexFileEvent) => events.push(event), ...(importMemoryBytes === undefined ? {} : { importMemoryBytes }) };
  const summary = await seedStorage(readStorageUrl(`sqlite:${path}`), features, options);
  return { summary, written: events.find((event) => event.state === 'written') };
}

/** The file's body, after its header page (which holds the database's identity and the time it was built). */
const body = (path: string) => readFileSync(path).subarray(PAGE_SIZE);

describe('seedStorage writes the index file', () => {
  it('from the import\'s own rows into an empty database: the same file as one built by reading the database', async () => {
    const path = join(directory.path, `db-${databases++}.db`);
    const { summary, written } = await seed(path, input(5_000));
    expect(summary).toEqual({ inserted: 5_000, duplicates: 50 });
    expect(written).toMatchObject({ state: 'written', features: 5_000, merged: false });
    const storage = await openStorage(`sqlite:${path}`);
    const header = await buildIndexFile(storage, `${path}.rebuilt`);
    expect(openIndexFile(`${path}.index`, { verifyChecksums: true }).header).toMatchObject({
      count: 5_000,
      feedPosition: header.feedPosition,
      overlapThrough: header.overlapThrough,
      importToken: header.importToken,
    });
    expect(body(`${path}.index`).equals(body(`${path}.rebuilt`))).toBe(true);
    await storage.close();
  });

  it.each([
    ['a database that holds features', undefined],
    ['an import staged in SQLite', 1],
  ])('by reading the database for %s, with the same features', async (_, importMemoryBytes) => {
    const path = join(directory.path, `db-${databases++}.db`);
    if (importMemoryBytes === undefined) await seed(path, input(1_000, 10_000));
    const { written } = await seed(path, input(3_000), importMemoryBytes);
    const storage = await openStorage(`sqlite:${path}`);
    const count = await storage.countFeatures();
    expect(written?.features).toBe(count);
    await buildIndexFile(storage, `${path}.rebuilt`);
    expect(body(`${path}.index`).length).toBe(body(`${path}.rebuilt`).length);
    await storage.close();
  });
});
