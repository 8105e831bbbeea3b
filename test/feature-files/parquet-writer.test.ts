import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parquetMetadataAsync, asyncBufferFromFile } from 'hyparquet';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ByteSink } from '../../src/feature-files/feature-writer.js';
import { readParquetFeatures } from '../../src/feature-files/parquet-features.js';
import { createParquetWriter } from '../../src/feature-files/parquet-writer.js';
import type { FeatureRecord } from '../../src/geo/feature.js';
import { collect, temporaryDirectory } from '../support/servers.js';

let directory: ReturnType<typeof temporaryDirectory>;
beforeEach(() => {
  directory = temporaryDirectory('routeguide-parquet-');
});
afterEach(() => directory.remove());

const NAMES = ['Mendham, NJ', 'The "Quoted" Café', 'Two\nlines', '', '東京タワー', 'Καλλιμάρμαρο', 'مكتبة الإسكندرية', '🗺️ emoji place', 'a,b,"c"\r\n'];

/** Writes `batches` through the GeoParquet writer to a file, counting the sink's writes. */
async function writeFile(batches: readonly FeatureRecord[][], rowGroupRows?: number): Promise<{ path: string; writes: number }> {
  const chunks: Uint8Array[] = [];
  const sink: ByteSink = {
    write: async (chunk) => {
      chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    },
  };
  const writer = createParquetWriter(sink, rowGroupRows === undefined ? {} : { rowGroupRows });
  for (const batch of batches) await writer.write(batch);
  await writer.end();
  const path = join(directory.path, 'out.parquet');
  writeFileSync(path, Buffer.concat(chunks));
  return { path, writes: chunks.length };
}

describe('GeoParquet writer', () => {
  it('round-trips names byte for byte in several scripts, and E7 points on the map edges', async () => {
    const features: FeatureRecord[] = NAMES.map((name, i) => ({ name, latitude: 407838351 - i * 1234567, longitude: -746143763 + i * 7654321 }));
    features.push({ name: 'south-west corner', latitude: -900000000, longitude: -1800000000 }, { name: 'north-east', latitude: 900000000, longitude: 1800000000 });
    features.push({ name: 'tiny', latitude: 1, longitude: -1 });
    const { path } = await writeFile([features.slice(0, 4), features.slice(4)]);
    expect(await collect(readParquetFeatures(path).features)).toEqual(features);
  });

  it('writes GeoParquet 1.1.0 metadata: WKB points, their bbox, no crs (OGC:CRS84)', async () => {
    const { path } = await writeFile([[
      { name: 'a', latitude: 100000000, longitude: -200000000 },
      { name: 'b', latitude: -300000000, longitude: 400000000 },
    ]]);
    const metadata = await parquetMetadataAsync(await asyncBufferFromFile(path));
    const geo = JSON.parse(metadata.key_value_metadata!.find(({ key }) => key === 'geo')!.value!);
    expect(geo).toEqual({ version: '1.1.0', primary_column: 'geometry', columns: { geometry: { encoding: 'WKB', geometry_types: ['Point'], bbox: [-20, -30, 40, 10] } } });
    expect(metadata.schema.map(({ name }) => name)).toEqual(['root', 'name', 'geometry']);
  });

  it('writes one row group per rowGroupRows features, each handed to the sink as it is encoded', async () => {
    const features = Array.from({ length: 2500 }, (_, i) => ({ name: `place ${i}`, latitude: i * 1000, longitude: (i * -1000) | 0 }));
    const { path, writes } = await writeFile([features.slice(0, 700), features.slice(700)], 1000);
    const metadata = await parquetMetadataAsync(await asyncBufferFromFile(path));
    expect(metadata.row_groups.map(({ num_rows }) => Number(num_rows))).toEqual([1000, 1000, 500]);
    // One write per row group, one for the footer: nothing waits for the end.
    expect(writes).toBe(4);
    expect(await collect(readParquetFeatures(path).features)).toEqual(features);
  });

  it('writes a valid file with no features', async () => {
    const { path } = await writeFile([]);
    expect(await collect(readParquetFeatures(path).features)).toEqual([]);
  });
});
