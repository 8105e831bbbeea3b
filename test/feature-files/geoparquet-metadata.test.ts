import { describe, expect, it } from 'vitest';
import { readGeoMetadata } from '../../src/feature-files/geoparquet-metadata.js';

const geo = (column: Record<string, unknown>, primary = 'geom'): string => JSON.stringify({ version: '1.1.0', primary_column: primary, columns: { geom: column } });

describe('GeoParquet geo metadata', () => {
  it('gives the primary column and its encoding, with an absent crs read as OGC:CRS84', () => {
    expect(readGeoMetadata('f.parquet', geo({ encoding: 'WKB', geometry_types: ['Point'] }))).toEqual({ column: 'geom', encoding: 'WKB' });
    expect(readGeoMetadata('f.parquet', geo({ encoding: 'point', geometry_types: ['Point'] }))).toEqual({ column: 'geom', encoding: 'point' });
  });

  it('accepts a PROJJSON crs whose id or one of whose ids is OGC:CRS84 or EPSG:4326, the code a number or a string', () => {
    for (const crs of [{ id: { authority: 'EPSG', code: 4326 } }, { id: { authority: 'EPSG', code: '4326' } }, { id: { authority: 'OGC', code: 'CRS84' } }, { ids: [{ authority: 'ESRI', code: 1 }, { authority: 'EPSG', code: 4326 }] }]) {
      expect(readGeoMetadata('f.parquet', geo({ encoding: 'WKB', crs }))).toEqual({ column: 'geom', encoding: 'WKB' });
    }
  });

  it('refuses another CRS, a CRS without an id, and an explicit null, one line each', () => {
    expect(() => readGeoMetadata('f.parquet', geo({ encoding: 'WKB', crs: { id: { authority: 'EPSG', code: 32633 } } }))).toThrow(
      /^f\.parquet: geo metadata: column geom: crs EPSG:32633 is not supported; only OGC:CRS84 \(the default when crs is absent\) or EPSG:4326 can be seeded$/,
    );
    expect(() => readGeoMetadata('f.parquet', geo({ encoding: 'WKB', crs: { name: 'local grid' } }))).toThrow(/crs "local grid" is not supported/);
    expect(() => readGeoMetadata('f.parquet', geo({ encoding: 'WKB', crs: null }))).toThrow(/crs is null, an undefined coordinate reference system/);
  });

  it('refuses encodings other than WKB and point, a primary column not described, and metadata that is not JSON', () => {
    expect(() => readGeoMetadata('f.parquet', geo({ encoding: 'polygon' }))).toThrow(/column geom: encoding "polygon" is not supported; points must be WKB or GeoParquet 1\.1's point encoding/);
    expect(() => readGeoMetadata('f.parquet', geo({ encoding: 'WKB' }, 'geometry'))).toThrow(/primary_column "geometry" is not described under columns/);
    expect(() => readGeoMetadata('f.parquet', '{"version":')).toThrow(/^f\.parquet: geo metadata is not JSON: /);
  });
});
