import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readFeatureFile } from '../../src/feature-files/read-feature-file.js';
import { collect } from '../support/servers.js';
import { useScratchFiles } from '../support/scratch-files.js';

const scratch = useScratchFiles('routeguide-read-feature-file-');
const file = scratch.file;

const parquet = (name: string): string => fileURLToPath(new URL(`../fixtures/parquet/${name}`, import.meta.url));

const feature = (properties: object, coordinates = [2.5, 48.5]): string => JSON.stringify({ type: 'Feature', geometry: { type: 'Point', coordinates }, properties });

describe('reading options across formats', () => {
  it('--name-column takes a GeoJSON property, in any case, and a dotted path into nested objects', async () => {
    const path = file('named.geojsonl', [feature({ Title: 'Louvre', names: { primary: 'Musée du Louvre' } }), feature({ title: null }, [3, 49])].join('\n'));
    expect(await collect(readFeatureFile(path, { columns: { name: 'title' } }).features)).toEqual([
      { name: 'Louvre', latitude: 485000000, longitude: 25000000 },
      { name: '', latitude: 490000000, longitude: 30000000 },
    ]);
    expect((await collect(readFeatureFile(path, { columns: { name: 'names.primary' } }).features))[0]!.name).toBe('Musée du Louvre');
  });

  it('refuses --lat-column for GeoJSON and any column flag for route_guide_db.json, rather than ignoring it', () => {
    const geojson = file('points.geojson', `{"type":"FeatureCollection","features":[${feature({ name: 'a' })}]}`);
    expect(() => readFeatureFile(geojson, { columns: { latitude: 'lat' } })).toThrow(`${geojson}: --lat-column does not apply to GeoJSON: the point is each Feature's geometry`);
    const json = file('db.json', '[]');
    expect(() => readFeatureFile(json, { columns: { name: 'title' } })).toThrow(`${json}: --name-column does not apply to route_guide_db.json entries`);
  });

  it('hints at .geojsons when a one-a-line file holds RS-framed records', async () => {
    const path = file('framed.geojsonl', `\x1e${feature({ name: 'a' })}\n`);
    await expect(collect(readFeatureFile(path).features)).rejects.toThrow(/feature 0 \(line 1\): not valid JSON: .*\\x1e.*; it starts with RS \(0x1E\), as a GeoJSON text sequence does: read it as \.geojsons or with --format geojsons$/);
  });

  it('under skipInvalid, refuses a file whose every record is invalid instead of importing nothing', async () => {
    const path = file('all-bad.csv', 'name,latitude,longitude\na,95,1\nb,96,2\n');
    await expect(collect(readFeatureFile(path, { skipInvalid: true }).features)).rejects.toThrow(
      `${path}: every record was invalid (2 skipped), so nothing was imported; the first: ${path}: entry 0 (line 2): latitude "95" must be a number of degrees between -90 and 90`,
    );
    const some = file('some-bad.csv', 'name,latitude,longitude\na,95,1\nb,45,2\n');
    expect(await collect(readFeatureFile(some, { skipInvalid: true }).features)).toEqual([{ name: 'b', latitude: 450000000, longitude: 20000000 }]);
  });

  it('refuses a GeoParquet struct as the name column for the whole file, listing its fields', async () => {
    const path = parquet('overture-places.parquet');
    await expect(collect(readFeatureFile(path, { columns: { name: 'names' }, skipInvalid: true }).features)).rejects.toThrow(
      /overture-places\.parquet: --name-column names: the column is a group \(a struct, list or map\), not text; its fields are names\.primary/,
    );
  });
});

describe('plain Parquet columns', () => {
  it('reads latitude and longitude held as text (a VARCHAR column) as decimal degrees, and names a bad one with its value', async () => {
    const { parquetWriteBuffer } = await import('hyparquet-writer');
    const path = join(scratch.path, 'text-degrees.parquet');
    const columnData = [
      { name: 'name', data: ['a', 'b'], type: 'STRING' as const },
      { name: 'lat', data: ['48.5', 'north'], type: 'STRING' as const },
      { name: 'lon', data: ['2.25', '3'], type: 'STRING' as const },
    ];
    writeFileSync(path, new Uint8Array(parquetWriteBuffer({ columnData })));
    const opened = readFeatureFile(path, { skipInvalid: true });
    expect(await collect(opened.features)).toEqual([{ name: 'a', latitude: 485000000, longitude: 22500000 }]);
    expect(opened.skipped().examples).toEqual([`${path}: row 1: latitude (lat) "north" must be a number of degrees between -90 and 90`]);
  });
});
