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

  it('lines.geojsonl is skipped, and counted, under skipInvalid', async () => {
    const opened = readFeatureFile(fixture('lines.geojsonl'), undefined, { skipInvalid: true });
    expect(await collect(opened.features)).toEqual([]);
    expect(opened.skipped()).toEqual({ count: 1, examples: [`${fixture('lines.geojsonl')}: feature 0 (line 1): geometry.type: must be "Point", got "LineString"`] });
  });
});
