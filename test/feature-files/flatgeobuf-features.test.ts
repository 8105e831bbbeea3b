import { readFileSync, statSync } from 'node:fs';
import { deserialize } from 'flatgeobuf/lib/mjs/geojson.js';
import { describe, expect, it } from 'vitest';
import { FeatureFileError, type ReadOptions } from '../../src/feature-files/feature-file.js';
import { readFlatGeobufFeatures } from '../../src/feature-files/flatgeobuf-features.js';
import { readFeatureFile } from '../../src/feature-files/read-feature-file.js';
import type { FeatureRecord } from '../../src/geo/feature.js';
import { feature, point, serializeFeatures, withHeader } from '../support/flatgeobuf-files.js';
import { collect } from '../support/servers.js';
import { useScratchFiles } from '../support/scratch-files.js';
import { byPoint, gdalFixture, PLACES } from '../support/places.js';




const scratch = useScratchFiles('routeguide-fgb-');
const file = scratch.file;

function read(path: string, options?: ReadOptions): Promise<FeatureRecord[]> {
  return collect(readFlatGeobufFeatures(path, options).features);
}

describe('FlatGeobuf files written by GDAL', () => {
  it.each(['places.fgb', 'places-no-index.fgb'])('reads %s to the ten points and names, a null name as unnamed', async (name) => {
    const features = await read(gdalFixture(name));
    expect(features.sort(byPoint)).toEqual([...PLACES].sort(byPoint));
  });

  it('reads places.fgb (with its spatial index) in the order the package reference reader does', async () => {
    const bytes = new Uint8Array(readFileSync(gdalFixture('places.fgb')));
    const reference: string[] = [];
    for await (const { properties } of deserialize(bytes)) reference.push(String(properties?.['name'] ?? ''));
    expect((await read(gdalFixture('places.fgb'))).map(({ name }) => name)).toEqual(reference);
  });

  it('is the reader readFeatureFile picks for .fgb', async () => {
    expect(await collect(readFeatureFile(gdalFixture('places-no-index.fgb')).features)).toEqual(await read(gdalFixture('places-no-index.fgb')));
  });

  it('refuses places-web-mercator.fgb, naming its CRS', async () => {
    const path = gdalFixture('places-web-mercator.fgb');
    await expect(read(path)).rejects.toThrow(
      new FeatureFileError(`${path}: CRS EPSG:3857 (WGS 84 / Pseudo-Mercator) is not supported: FlatGeobuf points must be in EPSG:4326 or OGC:CRS84 (longitude, latitude in degrees)`),
    );
  });

  it('refuses lines.fgb naming the feature, or under --skip-invalid counts it and imports nothing', async () => {
    const path = gdalFixture('lines.fgb');
    await expect(read(path)).rejects.toThrow(new FeatureFileError(`${path}: feature 0: geometry: LineString, but only Point features can be imported`));
    const skipping = readFlatGeobufFeatures(path, { skipInvalid: true });
    expect(await collect(skipping.features)).toEqual([]);
    expect(skipping.skipped()).toEqual({ count: 1, examples: [`${path}: feature 0: geometry: LineString, but only Point features can be imported`] });
  });

  it('takes the name from the property --name-column names, in any case', async () => {
    const features = await read(gdalFixture('places-no-index.fgb'), { columns: { name: 'KIND' } });
    expect(features.map(({ name }) => name)).toEqual(['trail', 'tower', 'stadium', 'square', 'library', 'cafe', 'sign', 'unnamed', 'corner', 'emoji']);
  });

  it('refuses a --name-column the file lacks, listing its columns, and --lat-column', async () => {
    const path = gdalFixture('places.fgb');
    await expect(read(path, { columns: { name: 'title' } })).rejects.toThrow(`${path}: --name-column "title": no such column; the columns are name, kind`);
    await expect(read(path, { columns: { latitude: 'y' } })).rejects.toThrow(`${path}: --lat-column does not apply to FlatGeobuf`);
  });

  it('counts the bytes read as it goes, up to the whole file', async () => {
    const path = gdalFixture('places.fgb');
    const features = readFlatGeobufFeatures(path);
    expect(features.bytesRead()).toBe(0);
    await collect(features.features);
    expect(features.bytesRead()).toBe(statSync(path).size);
  });
});

describe('FlatGeobuf CRS', () => {
  const places = (): Uint8Array => serializeFeatures([point(-74.5, 40.5, { name: 'a' }), point(2.25, 48.75, { name: 'b' })]);
  const expected = [
    { name: 'a', latitude: 405000000, longitude: -745000000 },
    { name: 'b', latitude: 487500000, longitude: 22500000 },
  ];

  it.each([
    ['no CRS at all (assumed WGS 84 longitude, latitude)', null],
    ['an empty CRS', { code: 0 }],
    ['EPSG:4326 with no org (the spec: EPSG)', { code: 4326 }],
    ['epsg:4326 in lower case', { org: 'epsg', code: 4326 }],
    ['OGC:CRS84', { org: 'OGC', codeString: 'CRS84' }],
  ])('accepts %s', async (_, crs) => {
    expect(await read(file('crs.fgb', withHeader(places(), { crs })))).toEqual(expected);
  });

  it.each([
    ['EPSG:3857', { org: 'EPSG', code: 3857 }, 'EPSG:3857'],
    ['OGC:CRS83', { org: 'OGC', codeString: 'CRS83' }, 'OGC:CRS83'],
    ['a CRS given only as WKT', { wkt: 'PROJCRS["Somewhere"]', name: 'Somewhere' }, 'given only as WKT (Somewhere)'],
  ])('refuses %s with one line naming it', async (_, crs, named) => {
    const path = file('crs.fgb', withHeader(places(), { crs }));
    await expect(read(path)).rejects.toThrow(`${path}: CRS ${named} is not supported: FlatGeobuf points must be in EPSG:4326 or OGC:CRS84`);
  });
});

describe('FlatGeobuf records that cannot be imported', () => {
  it('refuses a non-point feature in a layer of mixed geometries (Unknown), naming it', async () => {
    const mixed = serializeFeatures([point(1, 2, { name: 'p' }), feature({ type: 'LineString', coordinates: [[1, 2], [3, 4]] }, { name: 'l' }), point(5, 6, { name: 'q' })]);
    const path = file('mixed.fgb', mixed);
    await expect(read(path)).rejects.toThrow(`${path}: feature 1: geometry: LineString, but only Point features can be imported`);
    const skipping = readFlatGeobufFeatures(path, { skipInvalid: true });
    expect((await collect(skipping.features)).map(({ name }) => name)).toEqual(['p', 'q']);
    expect(skipping.skipped().count).toBe(1);
  });

  it('refuses a coordinate out of range, naming the feature and the axis', async () => {
    const path = file('far.fgb', serializeFeatures([point(1, 2, { name: 'ok' }), point(10, 91, { name: 'north' }), point(181, 0, { name: 'east' })]));
    await expect(read(path)).rejects.toThrow(`${path}: feature 1: geometry: y (latitude) 91 must be a number of degrees between -90 and 90`);
    const skipping = readFlatGeobufFeatures(path, { skipInvalid: true });
    expect(await collect(skipping.features)).toEqual([{ name: 'ok', latitude: 20000000, longitude: 10000000 }]);
    expect(skipping.skipped().examples[1]).toBe(`${path}: feature 2: geometry: x (longitude) 181 must be a number of degrees between -180 and 180`);
  });

  it('refuses an empty point, naming the feature', async () => {
    const path = file('empty.fgb', serializeFeatures([point(1, 2, { name: 'ok' }), feature({ type: 'Point', coordinates: [] }, { name: 'empty' })]));
    await expect(read(path)).rejects.toThrow(`${path}: feature 1: geometry: an empty point`);
  });

  it('refuses a name column that is not a String, naming it and its type', async () => {
    const path = file('numbers.fgb', serializeFeatures([point(1, 2, { name: 7, label: 'seven' })]));
    await expect(read(path)).rejects.toThrow(`${path}: the name column "name" is of type Double; a name must be a String column (name one with --name-column)`);
    expect(await read(path, { columns: { name: 'label' } })).toEqual([{ name: 'seven', latitude: 20000000, longitude: 10000000 }]);
  });

  it('reads a layer without a name property as unnamed features', async () => {
    const path = file('unnamed.fgb', serializeFeatures([point(1, 2, { kind: 'x' }), point(3, 4, { kind: 'y' })]));
    expect((await read(path)).map(({ name }) => name)).toEqual(['', '']);
  });
});

describe('A damaged FlatGeobuf file', () => {
  const valid = (): Uint8Array => serializeFeatures([point(1, 2, { name: 'first' }), point(3, 4, { name: 'second' })]);

  it('is refused when its magic bytes are wrong, or its version is not 3', async () => {
    const notFgb = file('not.fgb', new TextEncoder().encode('{"type":"FeatureCollection","features":[]}'));
    await expect(read(notFgb)).rejects.toThrow(`${notFgb}: not a FlatGeobuf file: the magic bytes "fgb" are missing`);
    const v4 = valid();
    v4[3] = 4;
    const future = file('v4.fgb', v4);
    await expect(read(future)).rejects.toThrow(`${future}: FlatGeobuf version 4.0 is not supported: version 3.x is read`);
  });

  it('is refused when it ends inside a feature, even under --skip-invalid', async () => {
    const bytes = valid();
    const path = file('cut.fgb', bytes.subarray(0, bytes.length - 5));
    await expect(read(path, { skipInvalid: true })).rejects.toThrow(`${path}: truncated: the file ends inside feature 1`);
  });

  it('is refused when the tables of a feature point outside it, even under --skip-invalid', async () => {
    const bytes = valid();
    const headerBytes = new DataView(bytes.buffer).getUint32(8, true);
    const firstFeature = 12 + headerBytes;
    const secondFeature = firstFeature + 4 + new DataView(bytes.buffer).getUint32(firstFeature, true);
    new DataView(bytes.buffer).setUint32(secondFeature + 4, 1 << 20, true); // its root table offset
    const path = file('outside.fgb', bytes);
    await expect(read(path, { skipInvalid: true })).rejects.toThrow(`${path}: feature 1: corrupt: its root table lies outside it`);
  });

  it('is refused when it holds fewer features than its header counts', async () => {
    const path = file('short.fgb', withHeader(valid(), { featuresCount: 3 }));
    await expect(read(path, { skipInvalid: true })).rejects.toThrow(`${path}: truncated: the header counts 3 features, the file holds 2`);
  });

  it('is refused when it ends inside the header or the spatial index', async () => {
    const gdal = readFileSync(gdalFixture('places.fgb'));
    const inHeader = file('header.fgb', gdal.subarray(0, 40));
    await expect(read(inHeader)).rejects.toThrow(`${inHeader}: truncated: the file ends inside the header`);
    const headerBytes = gdal.readUInt32LE(8);
    const inIndex = file('index.fgb', gdal.subarray(0, 12 + headerBytes + 100));
    await expect(read(inIndex)).rejects.toThrow(`${inIndex}: truncated: the file ends inside its spatial index`);
  });
});
