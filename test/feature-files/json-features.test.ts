import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readGeoJsonFeatures, readJsonFeatures } from '../../src/feature-files/json-features.js';
import { collect, temporaryDirectory } from '../support/servers.js';

let directory: ReturnType<typeof temporaryDirectory>;
beforeEach(() => {
  directory = temporaryDirectory('routeguide-json-features-');
});
afterEach(() => directory.remove());

function file(name: string, text: string): string {
  const path = join(directory.path, name);
  writeFileSync(path, text);
  return path;
}

// Enough entries for many read chunks, so that the bad ones lie past the first.
const COUNT = 20_000;
const BAD = [4_321, 12_345, 19_999];

function entries(): unknown[] {
  const all: unknown[] = Array.from({ length: COUNT }, (_, i) => ({ location: { latitude: i, longitude: -i - 1 }, name: `place ${i}` }));
  for (const i of BAD) all[i] = { location: { latitude: 900_000_001, longitude: 0 }, name: 'too far north' };
  return all;
}

function features(): unknown[] {
  return entries().map((entry) => {
    const { location, name } = entry as { location: { latitude: number; longitude: number }; name: string };
    return { type: 'Feature', geometry: { type: 'Point', coordinates: [location.longitude / 1e7, location.latitude / 1e7] }, properties: { name } };
  });
}

describe('readJsonFeatures', () => {
  it('names the first bad entry of a file read in many chunks', async () => {
    const path = file('bad.json', '[\n' + entries().map((entry) => JSON.stringify(entry)).join(',\n') + '\n]\n');
    await expect(collect(readJsonFeatures(path).features)).rejects.toThrow(`${path}: entry 4321: location.latitude: 900000001 is out of range`);
  });

  it('under skipInvalid, names each bad entry it skips and keeps the rest', async () => {
    const path = file('bad.json', '[\n' + entries().map((entry) => JSON.stringify(entry)).join(',\n') + '\n]\n');
    const opened = readJsonFeatures(path, { skipInvalid: true });
    expect((await collect(opened.features)).length).toBe(COUNT - BAD.length);
    const { count, examples } = opened.skipped();
    expect(count).toBe(BAD.length);
    expect(examples.map((example) => example.split(': ')[1])).toEqual(BAD.map((i) => `entry ${i}`));
  });

  it('names the entry with bad JSON syntax far into the file', async () => {
    const lines = entries().map((entry) => JSON.stringify(entry));
    lines[15_000] = '{"location": {"latitude": 1, "longitude": 2}, "name": "x",}';
    const path = file('broken.json', '[' + lines.join(',') + ']');
    await expect(collect(readJsonFeatures(path, { skipInvalid: true }).features)).rejects.toThrow(`${path}: entry 15000: not valid JSON`);
  });
});

describe('readGeoJsonFeatures', () => {
  it('under skipInvalid, names each bad feature it skips, by its index', async () => {
    const path = file('bad.geojson', JSON.stringify({ type: 'FeatureCollection', features: features() }));
    const opened = readGeoJsonFeatures(path, { skipInvalid: true });
    expect((await collect(opened.features)).length).toBe(COUNT - BAD.length);
    expect(opened.skipped().examples).toEqual(
      BAD.map((i) => `${path}: features[${i}]: geometry.coordinates[1]: latitude 90.0000001 must be a number of degrees between -90 and 90`),
    );
  });
});
