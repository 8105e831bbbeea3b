import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ByteSink } from '../../src/feature-files/feature-writer.js';
import { readFlatGeobufFeatures } from '../../src/feature-files/flatgeobuf-features.js';
import { createFlatGeobufWriter } from '../../src/feature-files/flatgeobuf-writer.js';
import type { FeatureRecord } from '../../src/geo/feature.js';
import { gdalAvailable } from '../support/gdal.js';
import { collect } from '../support/servers.js';
import { useScratchFiles } from '../support/scratch-files.js';

/** Names that break naive writers, at the map's corners and in between. */
const AWKWARD: FeatureRecord[] = [
  { name: 'Berkshire Valley Management Area Trail, Jefferson, NJ, USA', latitude: 409146138, longitude: -746228205 },
  { name: '東京タワー', latitude: 356585805, longitude: 1397454329 },
  { name: 'Καλλιμάρμαρο', latitude: 379683000, longitude: 237411000 },
  { name: 'مكتبة الإسكندرية', latitude: 312089000, longitude: 299092000 },
  { name: 'The "Quoted" Café, Paris', latitude: 488566140, longitude: 23522219 },
  { name: 'Two\nlines\r\nand a tab\t', latitude: 515072178, longitude: -1275862 },
  { name: '', latitude: -900000000, longitude: -1800000000 },
  { name: '🗺️ emoji place 👩‍👩‍👧', latitude: 900000000, longitude: 1800000000 },
  { name: "'single', \"double\", `back`", latitude: -1, longitude: 1 },
  { name: ' leading and trailing spaces ', latitude: 0, longitude: 0 },
];

/** A sink that keeps every chunk, as the writer handed it over. */
function memorySink(): ByteSink & { chunks: Uint8Array[]; bytes(): Uint8Array } {
  const chunks: Uint8Array[] = [];
  return {
    chunks,
    write: async (chunk) => {
      chunks.push(typeof chunk === 'string' ? new TextEncoder().encode(chunk) : chunk.slice());
    },
    bytes: () => Buffer.concat(chunks),
  };
}

async function written(batches: readonly (readonly FeatureRecord[])[]): Promise<ReturnType<typeof memorySink>> {
  const sink = memorySink();
  const writer = createFlatGeobufWriter(sink);
  for (const batch of batches) await writer.write(batch);
  await writer.end();
  return sink;
}

const scratch = useScratchFiles('routeguide-fgb-writer-');
const file = scratch.file;

describe('createFlatGeobufWriter', () => {
  it('round-trips through the reader: every point and name, byte for byte, in order', async () => {
    const sink = await written([AWKWARD.slice(0, 4), AWKWARD.slice(4)]);
    expect(await collect(readFlatGeobufFeatures(file('awkward.fgb', sink.bytes())).features)).toEqual(AWKWARD);
  });

  it('writes the header, then one chunk a batch, as the batches come', async () => {
    const sink = memorySink();
    const writer = createFlatGeobufWriter(sink);
    await writer.write(AWKWARD.slice(0, 3));
    expect(sink.chunks).toHaveLength(2);
    await writer.write(AWKWARD.slice(3));
    expect(sink.chunks).toHaveLength(3);
    await writer.end();
    expect(sink.chunks).toHaveLength(3);
    await expect(writer.write(AWKWARD)).rejects.toThrow(/ended/);
  });

  it('writes an empty layer as a header alone, which reads as no features', async () => {
    const sink = await written([]);
    expect(await collect(readFlatGeobufFeatures(file('empty.fgb', sink.bytes())).features)).toEqual([]);
  });

  it('round-trips a feature larger than the read size, between small ones', async () => {
    const long = { name: `${'长'.repeat(1 << 20)}, end`, latitude: 5, longitude: 6 };
    const features = [AWKWARD[0]!, long, AWKWARD[1]!];
    const path = file('long.fgb', (await written([features])).bytes());
    expect(await collect(readFlatGeobufFeatures(path).features)).toEqual(features);
  });

  it('round-trips 30,000 features, read back as a stream while the file is still being read', async () => {
    const features: FeatureRecord[] = Array.from({ length: 30_000 }, (_, i) => ({
      name: i % 7 === 0 ? '' : `place ${i}, "${String.fromCodePoint(0x4e00 + (i % 500))}"\n`,
      latitude: ((i * 7919) % 1_800_000_001) - 900_000_000,
      longitude: ((i * 104729) % 3_600_000_001) - 1_800_000_000,
    }));
    const batches = Array.from({ length: 30 }, (_, i) => features.slice(i * 1000, (i + 1) * 1000));
    const path = file('many.fgb', (await written(batches)).bytes());
    const reader = readFlatGeobufFeatures(path);
    const read: FeatureRecord[] = [];
    const progress: number[] = [];
    for await (const batch of reader.batches) {
      read.push(...batch);
      progress.push(reader.bytesRead());
    }
    expect(read).toEqual(features);
    expect(progress[0]).toBeLessThan(statSync(path).size);
    expect(progress.at(-1)).toBe(statSync(path).size);
  });
});

describe.skipIf(!gdalAvailable())('createFlatGeobufWriter read by GDAL', () => {
  it('is a Point layer in EPSG:4326 with a String name column, per ogrinfo', async () => {
    const path = file('awkward.fgb', (await written([AWKWARD])).bytes());
    const summary = execFileSync('ogrinfo', ['-al', '-so', path], { encoding: 'utf8' });
    expect(summary).toMatch(/^Geometry: Point$/m);
    expect(summary).toMatch(/^Feature Count: 10$/m);
    expect(summary).toMatch(/ID\["EPSG",4326\]\]\s*$/m);
    expect(summary).toMatch(/^name: String/m);
  });

  it('converts to GeoJSON with ogr2ogr with every name and coordinate intact', async () => {
    const path = file('awkward.fgb', (await written([AWKWARD.slice(0, 5), AWKWARD.slice(5)])).bytes());
    const out = join(scratch.path, 'awkward.geojson');
    execFileSync('ogr2ogr', ['-f', 'GeoJSON', '-lco', 'COORDINATE_PRECISION=7', out, path]);
    const geojson = JSON.parse(readFileSync(out, 'utf8')) as {
      features: { properties: { name: string | null }; geometry: { type: string; coordinates: [number, number] } }[];
    };
    expect(
      geojson.features.map(({ properties, geometry }) => ({
        name: properties.name,
        latitude: Math.round(geometry.coordinates[1] * 1e7),
        longitude: Math.round(geometry.coordinates[0] * 1e7),
        type: geometry.type,
      })),
    ).toEqual(AWKWARD.map((feature) => ({ ...feature, type: 'Point' })));
  });
});
