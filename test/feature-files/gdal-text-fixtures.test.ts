import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/build.js';
import { readFeatureFile } from '../../src/feature-files/read-feature-file.js';
import { collect } from '../support/servers.js';

/** Files written by GDAL's ogr2ogr (test/fixtures/gdal/README.md), read by our readers. */
const fixture = (name: string): string => join(ROOT, 'test/fixtures/gdal', name);

/** The ten points of places.geojson, as E7 features. */
const PLACES = [
  { name: 'Berkshire Valley Management Area Trail, Jefferson, NJ, USA', latitude: 409146138, longitude: -746228205 },
  { name: '東京タワー', latitude: 356585805, longitude: 1397454329 },
  { name: 'Καλλιμάρμαρο', latitude: 379683000, longitude: 237411000 },
  { name: 'Красная площадь', latitude: 557539000, longitude: 376208000 },
  { name: 'مكتبة الإسكندرية', latitude: 312089000, longitude: 299092000 },
  { name: 'The "Quoted" Café, Paris', latitude: 488566140, longitude: 23522219 },
  { name: 'Two\nlines', latitude: 515072178, longitude: -1275862 },
  { name: '', latitude: -900000000, longitude: -1800000000 },
  { name: 'Edge of the map', latitude: 900000000, longitude: 1800000000 },
  { name: '🗺️ emoji place', latitude: -338567844, longitude: 1512152967 },
];

describe('files written by GDAL', () => {
  it.each(['places.geojsonl', 'places.geojsons', 'places.csv', 'places.geojson'])('%s: the ten points and their names', async (name) => {
    expect(await collect(readFeatureFile(fixture(name)).features)).toEqual(PLACES);
  });

  it('lines.geojsonl (a LineString) is refused in one line naming feature 0', async () => {
    const error = await collect(readFeatureFile(fixture('lines.geojsonl')).features).catch((caught: unknown) => caught as Error);
    expect((error as Error).message).toBe(`${fixture('lines.geojsonl')}: feature 0 (line 1): geometry.type: must be "Point", got "LineString"`);
  });

  it('lines.geojsonl is skipped, and counted, under skipInvalid', async () => {
    const opened = readFeatureFile(fixture('lines.geojsonl'), undefined, { skipInvalid: true });
    expect(await collect(opened.features)).toEqual([]);
    expect(opened.skipped()).toEqual({ count: 1, examples: [`${fixture('lines.geojsonl')}: feature 0 (line 1): geometry.type: must be "Point", got "LineString"`] });
  });
});
