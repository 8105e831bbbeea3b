import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { seedIfAsked } from '../../src/app/load-features.js';
import { openStorage } from '../../src/storage/open-storage.js';
import type { Storage } from '../../src/storage/storage.js';
import { captureLog } from '../support/captured-log.js';
import { collect, temporaryDirectory } from '../support/servers.js';

let directory: ReturnType<typeof temporaryDirectory>;
let storage: Storage;
beforeEach(async () => {
  directory = temporaryDirectory('routeguide-load-');
  storage = await openStorage('memory:');
});
afterEach(async () => {
  await storage.close();
  directory.remove();
});

describe('seedIfAsked (serve --seed)', () => {
  it('reads the seed file with the columns asked for, skips invalid records when asked, and logs them', async () => {
    const seedFile = join(directory.path, 'places.csv');
    writeFileSync(seedFile, 'title,north,east\n"a, b",1,2\nbad,north,3\nc,4,5\n');
    const { log, lines } = captureLog();
    await seedIfAsked(storage, { seedFile, seedRead: { columns: { latitude: 'north', longitude: 'east', name: 'title' }, skipInvalid: true }, log });
    expect((await collect(storage.scanFeatures())).flat().map((feature) => feature.name).sort()).toEqual(['a, b', 'c']);
    const warning = lines.find((line) => line['msg'] === 'skipped invalid records');
    expect(warning).toMatchObject({ file: seedFile, skipped: 1, examples: [`${seedFile}: entry 1 (line 3): latitude "north" must be a number of degrees between -90 and 90`] });
    expect(lines.find((line) => line['msg'] === 'seeded features')).toMatchObject({ file: seedFile, inserted: 2, invalidSkipped: 1 });
  });

  it('without skipInvalid, fails at the bad record and stores nothing', async () => {
    const seedFile = join(directory.path, 'places.geojsonl');
    writeFileSync(seedFile, '{"type":"Feature","geometry":{"type":"Point","coordinates":[1,2]},"properties":{}}\n{"type":"Feature","geometry":null}\n');
    await expect(seedIfAsked(storage, { seedFile, log: captureLog().log })).rejects.toThrow(`${seedFile}: feature 1 (line 2): geometry: must be a Point`);
    expect(await storage.countFeatures()).toBe(0);
  });
});
