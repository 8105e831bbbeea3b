import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FeatureFileError } from '../../src/feature-files/feature-file.js';
import { formatOf, readFeatureFile } from '../../src/feature-files/read-feature-file.js';
import type { FeatureRecord } from '../../src/geo/feature.js';
import { collect } from '../support/servers.js';
import { useScratchFiles } from '../support/scratch-files.js';

const scratch = useScratchFiles('routeguide-import-');
const file = scratch.file;

function read(path: string, format?: 'json' | 'geojson' | 'csv'): Promise<FeatureRecord[]> {
  return collect(readFeatureFile(path, { format }).features);
}

describe('JSON (route_guide_db.json shape)', () => {
  it('streams every entry, with a missing name read as unnamed', async () => {
    const path = file(
      'db.json',
      JSON.stringify([
        { location: { latitude: 407838351, longitude: -746143763 }, name: 'Patriots Path, Mendham, NJ 07945, USA' },
        { location: { latitude: 408122808, longitude: -743999179 } },
      ]),
    );
    expect(await read(path)).toEqual([
      { name: 'Patriots Path, Mendham, NJ 07945, USA', latitude: 407838351, longitude: -746143763 },
      { name: '', latitude: 408122808, longitude: -743999179 },
    ]);
  });

  it('names the entry and the field of the first bad record', async () => {
    const entries = Array.from({ length: 500 }, (_, i) => ({ location: { latitude: i, longitude: i }, name: `f${i}` }));
    entries[321] = { location: { latitude: 900000001, longitude: 0 }, name: 'too far north' };
    const path = file('bad.json', JSON.stringify(entries));
    await expect(read(path)).rejects.toThrow(/bad\.json: entry 321: location\.latitude: 900000001 is out of range/);
  });

  it('reports malformed JSON as a FeatureFileError', async () => {
    const path = file('broken.json', '[{"location": {"latitude": 1, "longitude": 2}, "name": "a"},');
    await expect(read(path)).rejects.toBeInstanceOf(FeatureFileError);
  });
});

describe('GeoJSON', () => {
  it('reads Point features as [longitude, latitude] degrees rounded to E7, the name from properties.name', async () => {
    const path = file(
      'places.geojson',
      JSON.stringify({
        type: 'FeatureCollection',
        features: [
          { type: 'Feature', geometry: { type: 'Point', coordinates: [-74.61437634, 40.78383507] }, properties: { name: 'Mendham' } },
          // Halves round away from zero on both sides of the equator and meridian.
          { type: 'Feature', geometry: { type: 'Point', coordinates: [-0.00000005, 0.00000015] }, properties: null },
          { type: 'Feature', geometry: { type: 'Point', coordinates: [180, -90] }, properties: {} },
        ],
      }),
    );
    expect(await read(path)).toEqual([
      { name: 'Mendham', latitude: 407838351, longitude: -746143763 },
      { name: '', latitude: 2, longitude: -1 },
      { name: '', latitude: -900000000, longitude: 1800000000 },
    ]);
  });

  it('names the feature that is not a Point', async () => {
    const path = file(
      'lines.geojson',
      JSON.stringify({
        type: 'FeatureCollection',
        features: [
          { type: 'Feature', geometry: { type: 'Point', coordinates: [1, 2] }, properties: { name: 'ok' } },
          { type: 'Feature', geometry: { type: 'LineString', coordinates: [[1, 2], [3, 4]] }, properties: { name: 'a road' } },
        ],
      }),
    );
    await expect(read(path)).rejects.toThrow(/features\[1\]: geometry\.type: must be "Point", got "LineString"/);
  });

  it('rejects a latitude beyond 90 degrees, naming the coordinate', async () => {
    const path = file(
      'far.geojson',
      JSON.stringify({ type: 'FeatureCollection', features: [{ type: 'Feature', geometry: { type: 'Point', coordinates: [10, 91] }, properties: {} }] }),
    );
    await expect(read(path)).rejects.toThrow(/features\[0\]: geometry\.coordinates\[1\]: latitude 91 must be/);
  });
});

describe('CSV', () => {
  it('reads RFC 4180 quoting: commas, doubled quotes and line breaks inside names', async () => {
    const path = file(
      'places.csv',
      'name,latitude,longitude\r\n' +
        '"Patriots Path, Mendham, NJ 07945, USA",40.7838351,-74.6143763\r\n' +
        '"The ""Old"" Mill",1.5,2\r\n' +
        '"Two\nlines",-1,-2\r\n' +
        ',0,0\r\n',
    );
    expect(await read(path)).toEqual([
      { name: 'Patriots Path, Mendham, NJ 07945, USA', latitude: 407838351, longitude: -746143763 },
      { name: 'The "Old" Mill', latitude: 15000000, longitude: 20000000 },
      { name: 'Two\nlines', latitude: -10000000, longitude: -20000000 },
      { name: '', latitude: 0, longitude: 0 },
    ]);
  });

  it('accepts the columns in any order', async () => {
    const path = file('reordered.csv', 'longitude,name,latitude\n2,"a, b",1\n');
    expect(await read(path)).toEqual([{ name: 'a, b', latitude: 10000000, longitude: 20000000 }]);
  });

  it('names the entry and line of a bad number', async () => {
    const path = file('bad.csv', 'name,latitude,longitude\na,1,2\nb,3,4\n"c, d",north,5\n');
    await expect(read(path)).rejects.toThrow(/bad\.csv: entry 2 \(line 4\): latitude "north" must be a number of degrees/);
  });

  it('counts the lines of a quoted line break in the line it names', async () => {
    const path = file('multiline.csv', 'name,latitude,longitude\n"two\nlines",1,2\nb,3,east\n');
    await expect(read(path)).rejects.toThrow(/multiline\.csv: entry 1 \(line 4\): longitude "east" must be a number of degrees/);
  });

  it('finds the columns by their default names in any case, ignoring other columns; no name column means unnamed', async () => {
    const path = file('gdal.csv', 'X,Y,kind\n-74.5,40.25,trail\n');
    expect(await read(path)).toEqual([{ name: '', latitude: 402500000, longitude: -745000000 }]);
  });

  it('reads the columns that --lat-column, --lng-column and --name-column name', async () => {
    const path = file('named.csv', 'title,lat,lng,north,east\n"a, b",1,2,3,4\n');
    const options = { columns: { latitude: 'NORTH', longitude: 'east', name: 'Title' } };
    expect(await collect(readFeatureFile(path, options).features)).toEqual([{ name: 'a, b', latitude: 30000000, longitude: 40000000 }]);
  });

  it('refuses a header without a latitude column, in one line naming the columns there are', async () => {
    const path = file('header.csv', 'name,north,longitude\na,1,2\n');
    await expect(read(path)).rejects.toThrow(`${path}: no latitude column: expected one named latitude, lat, y (any case), or name it with --lat-column; the columns are name, north, longitude`);
  });

  it('names the entry and line of a row with another number of fields than the header', async () => {
    const path = file('short.csv', 'name,latitude,longitude\n"a\nb",1,2\nc,3\n');
    await expect(read(path)).rejects.toThrow(`${path}: entry 1 (line 4): has 2 fields; the header has 3`);
  });

  it('refuses a stray quote in one line naming the line', async () => {
    const path = file('quote.csv', 'name,latitude,longitude\na,1,2\n"b"c,3,4\n');
    await expect(read(path)).rejects.toThrow(`${path}: line 3: not RFC 4180 CSV: a closing quote must be followed by a comma or a line break`);
  });

  it('under skipInvalid counts every bad row, and names the line of the ones it quotes', async () => {
    const rows = Array.from({ length: 40 }, (_, i) => (i % 4 === 1 ? `bad ${i},north,1` : `ok ${i},${i},1`));
    const path = file('some-bad.csv', `name,latitude,longitude\n${rows.join('\n')}\n`);
    const opened = readFeatureFile(path, { skipInvalid: true });
    expect(await collect(opened.features)).toHaveLength(30);
    const { count, examples } = opened.skipped();
    expect(count).toBe(10);
    expect(examples).toHaveLength(5);
    expect(examples[0]).toBe(`${path}: entry 1 (line 3): latitude "north" must be a number of degrees between -90 and 90`);
    expect(examples[4]).toMatch(/: entry 17 \(line 19\): /);
  });
});

describe('format', () => {
  it('comes from the extension unless --format names one', () => {
    expect(formatOf('a/b.GeoJSON')).toBe('geojson');
    expect(formatOf('a/b.csv')).toBe('csv');
    expect(formatOf('a/b.txt', 'csv')).toBe('csv');
    expect(() => formatOf('a/b.txt')).toThrow(/cannot tell the format/);
  });
});
