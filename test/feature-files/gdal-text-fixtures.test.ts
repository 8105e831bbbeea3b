import { describe, expect, it } from 'vitest';
import { readFeatureFile } from '../../src/feature-files/read-feature-file.js';
import { gdalFixture as fixture, PLACES } from '../support/places.js';
import { collect } from '../support/servers.js';

describe('files written by GDAL', () => {
  it.each(['places.geojsonl', 'places.geojsons', 'places.csv', 'places.geojson'])('%s: the ten points and their names', async (name) => {
    expect(await collect(readFeatureFile(fixture(name)).features)).toEqual(PLACES);
  });

  it('lines.geojsonl (a LineString) is refused in one line naming feature 0', async () => {
    const error = await collect(readFeatureFile(fixture('lines.geojsonl')).features).catch((caught: unknown) => caught as Error);
    expect((error as Error).message).toBe(`${fixture('lines.geojsonl')}: feature 0 (line 1): geometry.type: must be "Point", got "LineString"`);
  });

  it('lines.geojsonl, whose every record is invalid, is refused under skipInvalid too, naming the first problem', async () => {
    const path = fixture('lines.geojsonl');
    await expect(collect(readFeatureFile(path, { skipInvalid: true }).features)).rejects.toThrow(
      `${path}: every record was invalid (1 skipped), so nothing was imported; the first: ${path}: feature 0 (line 1): geometry.type: must be "Point", got "LineString"`,
    );
  });
});
