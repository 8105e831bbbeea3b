import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { degreesToE7 } from '../../src/geo/e7.js';
import type { FeatureRecord } from '../../src/geo/feature.js';

/** A fixture written by GDAL (test/fixtures/gdal/README.md). */
export function gdalFixture(name: string): string {
  return fileURLToPath(new URL(`../fixtures/gdal/${name}`, import.meta.url));
}

/**
 * The ten places of test/fixtures/gdal/places.geojson, the input that GDAL's and DuckDB's fixtures
 * were written from, as E7 records in file order, the null name as ''.
 */
export const PLACES: readonly FeatureRecord[] = (
  JSON.parse(readFileSync(gdalFixture('places.geojson'), 'utf8')) as {
    features: { properties: { name: string | null }; geometry: { coordinates: [number, number] } }[];
  }
).features.map(({ properties, geometry }) => ({
  name: properties.name ?? '',
  latitude: degreesToE7(geometry.coordinates[1], 90)!,
  longitude: degreesToE7(geometry.coordinates[0], 180)!,
}));

/** Orders features by point, for comparing sets. */
export const byPoint = (a: FeatureRecord, b: FeatureRecord): number => a.latitude - b.latitude || a.longitude - b.longitude;
