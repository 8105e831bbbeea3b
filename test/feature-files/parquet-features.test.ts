import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FeatureFileError, type ReadOptions } from '../../src/feature-files/feature-file.js';
import { readParquetFeatures } from '../../src/feature-files/parquet-features.js';
import { degreesToE7 } from '../../src/geo/e7.js';
import type { FeatureRecord } from '../../src/geo/feature.js';
import { collect } from '../support/servers.js';
import { PLACES } from '../support/places.js';

const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/parquet/${name}`, import.meta.url));


function read(name: string, options: ReadOptions = {}): Promise<FeatureRecord[]> {
  return collect(readParquetFeatures(name.startsWith('/') ? name : fixture(name), options).features);
}

describe('GeoParquet written by DuckDB', () => {
  it.each(['places.parquet', 'places-snappy.parquet', 'places-gzip.parquet', 'places-brotli.parquet', 'places-lz4.parquet'])(
    'reads %s (GeoParquet 1.0.0 WKB points, names byte for byte, a null name as unnamed)',
    async (name) => {
      expect(await read(name)).toEqual(PLACES);
    },
  );

  it('reads Overture-style places with --name-column names.primary (a field of a struct column), in GeoParquet 1.1.0', async () => {
    expect(await read('overture-places.parquet', { columns: { name: 'names.primary' } })).toEqual(PLACES);
  });

  it('reads Overture-style places as unnamed when no name column is named and none is called name', async () => {
    expect(await read('overture-places.parquet')).toEqual(PLACES.map((place) => ({ ...place, name: '' })));
  });

  it("reads GeoParquet 1.1's native point encoding (a struct of x and y)", async () => {
    expect(await read('native-points.parquet')).toEqual(PLACES);
  });

  it('reads WKB in both byte orders, and ISO and EWKB points with Z, in EPSG:4326', async () => {
    expect(await read('wkb-byte-orders.parquet')).toEqual(
      ['little endian', 'big endian', 'ISO WKB Z, little endian', 'EWKB Z, big endian'].map((name, i) => ({ ...PLACES[i]!, name })),
    );
  });

  it('reads plain lat and lon columns when there is no geo metadata', async () => {
    expect(await read('lat-lon.parquet')).toEqual(PLACES);
  });

  it('reads dictionary-encoded names, null and empty ones included', async () => {
    const features = await read('dictionary-names.parquet');
    const names = ['Oak Street', 'Café "Nord"', '東京', '', ''];
    expect(features).toHaveLength(3000);
    expect(features.every((feature, i) => feature.name === names[i % 5] && feature.longitude === degreesToE7(i / 100, 180) && feature.latitude === degreesToE7(-i / 1000, 90))).toBe(true);
  });

  it('reads every row group, in order, and bytesRead grows as they are read', async () => {
    const file = readParquetFeatures(fixture('row-groups.parquet'));
    const progress: number[] = [];
    const features: FeatureRecord[] = [];
    for await (const batch of file.batches) {
      features.push(...batch);
      progress.push(file.bytesRead());
    }
    expect(features).toHaveLength(5000);
    expect(features[4999]).toEqual({ name: 'place 4999', latitude: 49_990_000, longitude: 499_900_000 });
    expect(features.every((feature, i) => feature.name === `place ${i}` && feature.latitude === degreesToE7(i / 1000, 90))).toBe(true);
    expect(progress).toHaveLength(3);
    expect(progress[0]).toBeLessThan(progress[1]!);
    expect(progress[1]).toBeLessThan(progress[2]!);
  });
});

describe('plain columns named by flags', () => {
  it('takes --lat-column and --lng-column over the geo metadata, matched without regard to case', async () => {
    // The Overture fixture's bbox struct holds each point's box as floats: its ymin and xmin are the point.
    const features = await read('overture-places.parquet', { columns: { latitude: 'BBOX.ymin', longitude: 'bbox.xmin', name: 'id' } });
    expect(features.map(({ name }) => name)).toEqual(PLACES.map((_, i) => `08f${i}`));
    expect(features[1]!.latitude).toBe(degreesToE7(Math.fround(35.6585805), 90));
  });

  it('names the flag and lists the columns when a named column is missing', async () => {
    await expect(read('lat-lon.parquet', { columns: { name: 'title' } })).rejects.toThrow(
      /lat-lon\.parquet: --name-column "title": no such column; the columns are name, lat, lon/,
    );
    await expect(read('places.parquet', { columns: { name: 'names.primary' } })).rejects.toThrow(/--name-column "names\.primary": no such column/);
  });
});

describe('refusals, one line each', () => {
  it('refuses a polygon, naming its row', async () => {
    const failure = read('polygon.parquet');
    await expect(failure).rejects.toBeInstanceOf(FeatureFileError);
    await expect(failure).rejects.toThrow(/^\S*polygon\.parquet: row 1: geometry is a Polygon; only points can be seeded$/);
  });

  it('refuses a CRS other than OGC:CRS84 or EPSG:4326, naming it', async () => {
    await expect(read('web-mercator.parquet')).rejects.toThrow(
      /web-mercator\.parquet: geo metadata: column geometry: crs EPSG:3857 is not supported; only OGC:CRS84 \(the default when crs is absent\) or EPSG:4326 can be seeded$/,
    );
  });

  it('refuses an explicit null CRS, which GeoParquet 1.1 defines as undefined', async () => {
    await expect(read('unknown-crs.parquet')).rejects.toThrow(/unknown-crs\.parquet: geo metadata: column geometry: crs is null, an undefined coordinate reference system/);
  });

  it('refuses the first bad row: a latitude out of range', async () => {
    await expect(read('bad-records.parquet')).rejects.toThrow(
      /bad-records\.parquet: row 1: latitude \(geometry y\) 95 must be a number of degrees between -90 and 90$/,
    );
  });

  it('counts and skips bad rows under --skip-invalid, quoting each', async () => {
    const file = readParquetFeatures(fixture('bad-records.parquet'), { skipInvalid: true });
    expect((await collect(file.features)).map(({ name }) => name)).toEqual(['good 0', 'good 2', 'good 4']);
    const skipped = file.skipped();
    expect(skipped.count).toBe(2);
    expect(skipped.examples[0]).toMatch(/row 1: latitude/);
    expect(skipped.examples[1]).toMatch(/bad-records\.parquet: row 3: geometry is an empty point$/);
  });

  it('refuses a name that is not UTF-8, naming the row, and skips it under --skip-invalid', async () => {
    await expect(read('invalid-utf8.parquet')).rejects.toThrow(/invalid-utf8\.parquet: row 1: name \(name\) is not valid UTF-8$/);
    expect(await read('invalid-utf8.parquet', { skipInvalid: true })).toEqual([{ name: 'ok', latitude: 20_000_000, longitude: 10_000_000 }]);
  });

  it('refuses a truncated file as damaged, even under --skip-invalid', async () => {
    const bytes = readFileSync(fixture('row-groups.parquet'));
    const path = join(tmpdir(), `routeguide-truncated-${process.pid}.parquet`);
    writeFileSync(path, bytes.subarray(0, bytes.length - 100));
    try {
      await expect(read(path, { skipInvalid: true })).rejects.toThrow(/truncated-\d+\.parquet: cannot read as Parquet: /);
    } finally {
      rmSync(path);
    }
  });

  it('refuses a file that is not Parquet, and a missing file, as FeatureFileErrors', async () => {
    const notParquet = fixture('README.md');
    await expect(collect(readParquetFeatures(notParquet).features)).rejects.toThrow(/README\.md: cannot read as Parquet: /);
    expect(() => readParquetFeatures(fixture('missing.parquet'))).toThrow(FeatureFileError);
  });
});
