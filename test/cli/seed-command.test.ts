import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';
import { collect, countStoredFeatures, temporaryDirectory } from '../support/servers.js';
import { openStorage } from '../../src/storage/open-storage.js';
import { deadPid, leaveUnfinishedImport } from '../support/unfinished-import.js';

let directory: ReturnType<typeof temporaryDirectory>;
let stdout: string[];
let stderr: string[];
beforeEach(() => {
  directory = temporaryDirectory('routeguide-seed-');
  stdout = [];
  stderr = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (stdout.push(String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => (stderr.push(String(chunk)), true));
});
afterEach(() => {
  vi.restoreAllMocks();
  directory.remove();
});

describe('routeguide seed', () => {
  it('--synthetic N imports N generated features and prints the summary', async () => {
    const url = `sqlite:${join(directory.path, 'synthetic.db')}`;
    expect(await main(['seed', '--storage', url, '--synthetic', '5000', '--random-seed', '9'], {})).toBe(0);
    expect(stdout.join('')).toMatch(/seeded \d+ features from 5000 synthetic features \(seed 9\).*duplicates skipped; 5000 read in [\d.]+ s \([\d,]+ features\/s\)/);
    const [, inserted, duplicates] = /seeded (\d+) features.*; (\d+) duplicates skipped/.exec(stdout.join(''))!;
    expect(Number(inserted) + Number(duplicates)).toBe(5000);
    expect(await countStoredFeatures(url)).toBe(Number(inserted));
  }, 30_000);

  it('imports a GeoJSON file chosen by --format despite its extension', async () => {
    const path = join(directory.path, 'points.txt');
    writeFileSync(path, JSON.stringify({ type: 'FeatureCollection', features: [{ type: 'Feature', geometry: { type: 'Point', coordinates: [1, 2] }, properties: { name: 'x' } }] }));
    const url = `sqlite:${join(directory.path, 'geo.db')}`;
    expect(await main(['seed', '--storage', url, '--format', 'geojson', path], {})).toBe(0);
    expect(await countStoredFeatures(url)).toBe(1);
  });

  it('fails with one line naming the entry when a record is bad, and writes nothing', async () => {
    const path = join(directory.path, 'bad.csv');
    writeFileSync(path, 'name,latitude,longitude\n"ok, fine",1,2\n"not ok",95,2\n');
    const url = `sqlite:${join(directory.path, 'bad.db')}`;
    expect(await main(['seed', '--storage', url, path], {})).toBe(1);
    expect(stderr.join('')).toMatch(/^routeguide seed: .*bad\.csv: entry 1 \(line 3\): latitude "95" must be a number of degrees between -90 and 90\n$/);
    expect(await countStoredFeatures(url)).toBe(0);
  });

  it('says when it removes the rows of an unfinished import, then imports', async () => {
    const path = join(directory.path, 'crashed.db');
    const url = `sqlite:${path}`;
    await main(['seed', '--storage', url, '--synthetic', '10'], {});
    stderr.length = 0;
    const pid = deadPid();
    leaveUnfinishedImport(path, { pid, startedAt: 0, points: [[3, 3]] });
    expect(await main(['seed', '--storage', url, '--synthetic', '20', '--random-seed', '2'], {})).toBe(0);
    expect(stderr.join('')).toMatch(
      new RegExp(`^routeguide seed: removed 1 feature left by an unfinished import \\(pid ${pid} on .*, started 1970-01-01T00:00:00.000Z\\)\n`),
    );
    const [, inserted] = /seeded (\d+) features from 20/.exec(stdout.join(''))!;
    expect(await countStoredFeatures(url)).toBe(10 + Number(inserted));
  });

  it('fails with one line while another import into the same database is running', async () => {
    const path = join(directory.path, 'busy.db');
    const url = `sqlite:${path}`;
    await main(['seed', '--storage', url, '--synthetic', '10'], {});
    leaveUnfinishedImport(path, { host: 'other-host', pid: 4242, startedAt: 0 });
    stderr.length = 0;
    expect(await main(['seed', '--storage', url, '--synthetic', '20'], {})).toBe(1);
    expect(stderr.join('')).toMatch(
      /^routeguide seed: another import \(id 2, pid 4242 on other-host, started 1970-01-01T00:00:00.000Z\) is writing to this database; imports run one at a time, so wait for it to finish\n$/,
    );
    expect(await countStoredFeatures(url)).toBe(10);
  });

  it('--skip-invalid imports the rest, says how many it skipped, and shows the problems one line each', async () => {
    const point = (longitude: number, latitude: number) => JSON.stringify({ type: 'Feature', geometry: { type: 'Point', coordinates: [longitude, latitude] }, properties: {} });
    const path = join(directory.path, 'mixed.geojsonl');
    writeFileSync(path, [point(1, 2), point(1, 95), '{"type": "Feature",', point(3, 4)].join('\n') + '\n');
    const url = `sqlite:${join(directory.path, 'mixed.db')}`;
    expect(await main(['seed', '--storage', url, '--skip-invalid', path], {})).toBe(0);
    expect(stdout.join('')).toMatch(/^seeded 2 features from .*mixed\.geojsonl into .*; 0 duplicates skipped; 2 invalid records skipped; 2 read in /);
    const lines = stderr.join('').trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe(`routeguide seed: skipped ${path}: feature 1 (line 2): geometry.coordinates[1]: latitude 95 must be a number of degrees between -90 and 90`);
    expect(lines[1]).toMatch(new RegExp(`^routeguide seed: skipped ${path}: feature 2 \\(line 3\\): not valid JSON: `));
    expect(await countStoredFeatures(url)).toBe(2);
  });

  it('reads the CSV columns that --lat-column, --lng-column and --name-column name', async () => {
    const path = join(directory.path, 'columns.csv');
    writeFileSync(path, 'id,title,north,east\n1,"a, b",1.5,2.5\n');
    const url = `sqlite:${join(directory.path, 'columns.db')}`;
    const flags = ['--lat-column', 'North', '--lng-column', 'EAST', '--name-column', 'title'];
    expect(await main(['seed', '--storage', url, ...flags, path], {})).toBe(0);
    expect(await storedFeatures(url)).toEqual([{ name: 'a, b', latitude: 15000000, longitude: 25000000 }]);
  });

  it('names the missing column and the flag in one line', async () => {
    const path = join(directory.path, 'columns.csv');
    writeFileSync(path, 'id,title,north,east\n1,a,1.5,2.5\n');
    expect(await main(['seed', '--storage', `sqlite:${join(directory.path, 'none.db')}`, '--lat-column', 'south', path], {})).toBe(1);
    expect(stderr.join('')).toBe(`routeguide seed: ${path}: --lat-column "south": no such column; the columns are id, title, north, east\n`);
  });

  it('refuses both a FILE and --synthetic', async () => {
    expect(await main(['seed', '--synthetic', '10', 'file.json'], {})).toBe(2);
    expect(stderr.join('')).toMatch(/expected exactly one FILE or --synthetic N/);
  });
});

async function storedFeatures(url: string) {
  const storage = await openStorage(url);
  try {
    return (await collect(storage.scanFeatures())).flat();
  } finally {
    await storage.close();
  }
}
