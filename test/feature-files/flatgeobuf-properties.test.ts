import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ColumnType } from 'flatgeobuf/lib/mjs/flat-geobuf/column-type.js';
import { deserialize } from 'flatgeobuf/lib/mjs/geojson.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readFlatGeobufFeatures } from '../../src/feature-files/flatgeobuf-features.js';
import { NameNotUtf8Error, PropertiesError, stringProperty } from '../../src/feature-files/flatgeobuf-properties.js';
import { point, serializeFeatures } from '../support/flatgeobuf-files.js';
import { collect, temporaryDirectory } from '../support/servers.js';

/** Property bytes as the spec lays them out: each a uint16 column index, then the value's bytes. */
function properties(...values: [column: number, bytes: number[]][]): Uint8Array {
  return new Uint8Array(values.flatMap(([column, bytes]) => [column & 0xff, column >> 8, ...bytes]));
}
const sized = (text: string): number[] => {
  const bytes = [...new TextEncoder().encode(text)];
  return [bytes.length, 0, 0, 0, ...bytes];
};

describe('stringProperty', () => {
  it('steps over a value of every fixed-size type to reach the name', () => {
    const types = [ColumnType.Byte, ColumnType.UByte, ColumnType.Bool, ColumnType.Short, ColumnType.UShort, ColumnType.Int, ColumnType.UInt,
      ColumnType.Long, ColumnType.ULong, ColumnType.Float, ColumnType.Double, ColumnType.Json, ColumnType.Binary, ColumnType.DateTime, ColumnType.String];
    const sizes = [1, 1, 1, 2, 2, 4, 4, 8, 8, 4, 8];
    const bytes = properties(
      ...sizes.map((size, column): [number, number[]] => [column, Array.from({ length: size }, () => 0xff)]),
      [11, sized('{"a":1}')],
      [12, [2, 0, 0, 0, 0xff, 0xfe]],
      [13, sized('2026-12-03T20:00:00Z')],
      [14, sized('Café, "quoted"\n🗺️')],
    );
    expect(stringProperty(bytes, types, 14)).toBe('Café, "quoted"\n🗺️');
    expect(stringProperty(bytes, types, 13)).toBe('2026-12-03T20:00:00Z');
  });

  it('is undefined when the feature leaves the column out (a null)', () => {
    expect(stringProperty(properties([1, sized('other')]), [ColumnType.String, ColumnType.String], 0)).toBeUndefined();
    expect(stringProperty(new Uint8Array(0), [ColumnType.String], 0)).toBeUndefined();
  });

  it('refuses a value that runs past the end, a column the header lacks, and invalid UTF-8', () => {
    expect(() => stringProperty(properties([0, [9, 0, 0, 0, 65]]), [ColumnType.String], 0)).toThrow(PropertiesError);
    expect(() => stringProperty(properties([0, [1, 2, 3]]), [ColumnType.Int], 0)).toThrow(PropertiesError);
    expect(() => stringProperty(properties([3, sized('x')]), [ColumnType.String], 0)).toThrow(PropertiesError);
    expect(() => stringProperty(properties([0, [2, 0, 0, 0, 0xc3, 0x28]]), [ColumnType.String], 0)).toThrow(NameNotUtf8Error);
  });
});

describe('the name property, read beside other columns', () => {
  let directory: ReturnType<typeof temporaryDirectory>;
  beforeEach(() => {
    directory = temporaryDirectory('routeguide-fgb-properties-');
  });
  afterEach(() => directory.remove());

  it('is the value the package reference reader finds, past Bool, Double, Json and Binary columns and nulls', async () => {
    const rows = [
      { open: true, rank: 1.5, tags: { a: [1, 2] }, blob: new Uint8Array([0, 1, 2]), name: 'first, "one"' },
      { open: false, rank: null, tags: null, blob: new Uint8Array([]), name: null },
      { open: null, rank: -2, tags: { b: 'x' }, blob: null, name: '東京タワー' },
    ];
    const bytes = serializeFeatures(rows.map((row, i) => point(i, i, row)));
    const path = join(directory.path, 'columns.fgb');
    writeFileSync(path, bytes);
    const reference: string[] = [];
    for await (const { properties } of deserialize(bytes)) reference.push((properties?.['name'] as string | undefined) ?? '');
    expect(reference).toEqual(['first, "one"', '', '東京タワー']);
    expect((await collect(readFlatGeobufFeatures(path).features)).map(({ name }) => name)).toEqual(reference);
  });

  it('is refused, naming the feature, when it is not valid UTF-8; --skip-invalid skips that feature', async () => {
    const bytes = serializeFeatures([point(1, 1, { name: 'good' }), point(2, 2, { name: 'b@d' })]);
    const at = Buffer.from(bytes).indexOf('b@d');
    bytes[at + 1] = 0xff;
    const path = join(directory.path, 'utf8.fgb');
    writeFileSync(path, bytes);
    await expect(collect(readFlatGeobufFeatures(path).features)).rejects.toThrow(`${path}: feature 1: name: not valid UTF-8`);
    const skipping = readFlatGeobufFeatures(path, { skipInvalid: true });
    expect((await collect(skipping.features)).map(({ name }) => name)).toEqual(['good']);
    expect(skipping.skipped().count).toBe(1);
  });
});
