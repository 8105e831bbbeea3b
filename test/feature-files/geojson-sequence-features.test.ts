import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FeatureFileError } from '../../src/feature-files/feature-file.js';
import { readGeoJsonSequenceFeatures } from '../../src/feature-files/geojson-sequence-features.js';
import { formatOf, readFeatureFile } from '../../src/feature-files/read-feature-file.js';
import type { FeatureRecord } from '../../src/geo/feature.js';
import { collect } from '../support/servers.js';
import { useScratchFiles } from '../support/scratch-files.js';

const scratch = useScratchFiles('routeguide-sequence-');
const file = scratch.file;

const RS = '\x1e';

function point(longitude: number, latitude: number, name?: string | null): string {
  return JSON.stringify({ type: 'Feature', geometry: { type: 'Point', coordinates: [longitude, latitude] }, properties: name === undefined ? {} : { name } });
}

function feature(longitude: number, latitude: number, name = ''): FeatureRecord {
  return { name, latitude: Math.round(latitude * 1e7), longitude: Math.round(longitude * 1e7) };
}

describe('newline-delimited GeoJSON (.geojsonl, .ndjson)', () => {
  it('reads one Feature a line, skipping blank lines, with CRLF line ends and no final line feed', async () => {
    const path = file('places.geojsonl', `\uFEFF${point(1, 2, 'a, "b"')}\r\n\r\n${point(3, 4, null)}\n   \n${point(5, 6, 'Two\nlines')}`);
    expect(await collect(readFeatureFile(path).features)).toEqual([feature(1, 2, 'a, "b"'), feature(3, 4), feature(5, 6, 'Two\nlines')]);
  });

  it('reads a file larger than one chunk, whatever the record the chunk ends in', async () => {
    const lines = Array.from({ length: 30_000 }, (_, i) => point(i / 1000, -i / 1000, `place ${i} ${'é'.repeat(i % 7)}`));
    const path = file('many.ndjson', lines.join('\n') + '\n');
    const features = await collect(readFeatureFile(path).features);
    expect(features).toHaveLength(30_000);
    expect(features[29_999]).toEqual(feature(29.999, -29.999, `place 29999 ${'é'.repeat(29_999 % 7)}`));
  });

  it('names the feature and the line of a record that is not a Point, blank lines counted as lines only', async () => {
    const line = JSON.stringify({ type: 'Feature', geometry: { type: 'LineString', coordinates: [[0, 0], [1, 1]] }, properties: {} });
    const path = file('bad.geojsonl', `${point(1, 2)}\n\n${point(3, 4)}\n${line}\n${point(5, 6)}\n`);
    await expect(collect(readFeatureFile(path).features)).rejects.toThrow(`${path}: feature 2 (line 4): geometry.type: must be "Point", got "LineString"`);
  });

  it('names the record that is not valid JSON, and skips it under skipInvalid', async () => {
    const path = file('broken.geojsonl', `${point(1, 2)}\n{"type": "Feature", "geometry":\n${point(3, 4)}\n`);
    const error = await collect(readFeatureFile(path).features).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(FeatureFileError);
    expect((error as Error).message).toMatch(new RegExp(`^${path}: feature 1 \\(line 2\\): not valid JSON: `));
    const skipping = readFeatureFile(path, { skipInvalid: true });
    expect(await collect(skipping.features)).toEqual([feature(1, 2), feature(3, 4)]);
    expect(skipping.skipped().count).toBe(1);
    expect(skipping.skipped().examples[0]).toMatch(/feature 1 \(line 2\): not valid JSON/);
  });

  it('does not take two values on one line for two records', async () => {
    const path = file('two.geojsonl', `${point(1, 2)},${point(3, 4)}\n${point(5, 6)}\n`);
    await expect(collect(readFeatureFile(path).features)).rejects.toThrow(/feature 0 \(line 1\): not valid JSON/);
  });
});

describe('GeoJSON text sequences (.geojsons, RFC 8142)', () => {
  it('reads RS-started records, which may span lines, ignoring empty ones', async () => {
    const pretty = JSON.stringify(JSON.parse(point(3, 4, 'pretty')), null, 2);
    const path = file('places.geojsons', `${RS}${point(1, 2, 'a')}\n${RS}${RS}${pretty}\n${RS}${point(5, 6)}\n`);
    expect(await collect(readFeatureFile(path).features)).toEqual([feature(1, 2, 'a'), feature(3, 4, 'pretty'), feature(5, 6)]);
  });

  it('names the line a bad record starts on, counting the lines of the records before it', async () => {
    const pretty = JSON.stringify(JSON.parse(point(3, 4)), null, 2);
    const path = file('bad.geojsons', `${RS}${pretty}\n${RS}${point(1, 200)}\n`);
    const lines = pretty.split('\n').length;
    await expect(collect(readFeatureFile(path).features)).rejects.toThrow(
      `feature 1 (line ${lines + 1}): geometry.coordinates[1]: latitude 200 must be a number of degrees between -90 and 90`,
    );
  });

  it('refuses a file whose records do not start with RS, in one line', async () => {
    const path = file('lines.geojsons', `${point(1, 2)}\n${point(3, 4)}\n`);
    await expect(collect(readGeoJsonSequenceFeatures(path, 'rs').features)).rejects.toThrow(
      `${path}: line 1: not a GeoJSON text sequence: each record must start with the RS character (0x1E); for one Feature a line, use .geojsonl`,
    );
  });

  it('names a truncated last record', async () => {
    const path = file('truncated.geojsons', `${RS}${point(1, 2)}\n${RS}{"type": "Fea`);
    await expect(collect(readFeatureFile(path).features)).rejects.toThrow(/feature 1 \(line 2\): not valid JSON/);
  });
});

describe('the format of a sequence', () => {
  it('comes from .geojsonl, .ndjson and .geojsons', () => {
    expect(formatOf('a.geojsonl')).toBe('geojsonl');
    expect(formatOf('a.NDJSON')).toBe('geojsonl');
    expect(formatOf('a.geojsons')).toBe('geojsons');
    expect(() => formatOf('a.jsonl')).toThrow(/use \.json, \.geojson, \.csv, \.geojsonl, \.geojsons, .*\.ndjson, or --format/);
  });
});
