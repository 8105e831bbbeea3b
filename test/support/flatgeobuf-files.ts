import * as flatbuffers from 'flatbuffers';
import { magicbytes } from 'flatgeobuf/lib/mjs/constants.js';
import { Column } from 'flatgeobuf/lib/mjs/flat-geobuf/column.js';
import { Crs } from 'flatgeobuf/lib/mjs/flat-geobuf/crs.js';
import { Header } from 'flatgeobuf/lib/mjs/flat-geobuf/header.js';
import { serialize } from 'flatgeobuf/lib/mjs/geojson.js';
import { fromByteBuffer, type HeaderMeta } from 'flatgeobuf/lib/mjs/header-meta.js';

/**
 * FlatGeobuf files for the reader's tests, written by the flatgeobuf package's own serializer (not
 * by our writer), with the header re-encoded where a test needs what that serializer cannot write
 * (an org or a code string in the CRS, another geometry type).
 */

/** A GeoJSON geometry, loosely: the serializer checks it. */
export interface Geometry {
  readonly type: string;
  readonly coordinates: unknown;
}
export interface GeoJsonFeature {
  readonly type: 'Feature';
  readonly geometry: Geometry;
  readonly properties: Record<string, unknown>;
}

/** A GeoJSON Feature; every feature of a file must carry the same property keys (null for none). */
export function feature(geometry: Geometry, properties: Record<string, unknown>): GeoJsonFeature {
  return { type: 'Feature', geometry, properties };
}

export function point(longitude: number, latitude: number, properties: Record<string, unknown> = { name: null }): GeoJsonFeature {
  return feature({ type: 'Point', coordinates: [longitude, latitude] }, properties);
}

/** The package's serialize(): no spatial index, the CRS as a bare EPSG code (0: none). */
export function serializeFeatures(features: GeoJsonFeature[], crsCode = 4326): Uint8Array {
  return serialize({ type: 'FeatureCollection', features } as unknown as Parameters<typeof serialize>[0], crsCode);
}

export interface CrsFields {
  readonly org?: string;
  readonly code?: number;
  readonly codeString?: string;
  readonly name?: string;
  readonly wkt?: string;
}

/** `file` with its header re-encoded after `change`: the features are kept, byte for byte. */
export function withHeader(file: Uint8Array, change: { crs?: CrsFields | null; geometryType?: number; featuresCount?: number }): Uint8Array {
  const headerLength = new DataView(file.buffer, file.byteOffset + 8, 4).getUint32(0, true);
  const header: HeaderMeta = fromByteBuffer(new flatbuffers.ByteBuffer(file.slice(8, 12 + headerLength)));
  const builder = new flatbuffers.Builder(1024);
  const columns = Header.createColumnsVector(
    builder,
    (header.columns ?? []).map((column) => {
      const name = builder.createString(column.name);
      Column.startColumn(builder);
      Column.addName(builder, name);
      Column.addType(builder, column.type);
      return Column.endColumn(builder);
    }),
  );
  const crs = change.crs === undefined ? { code: header.crs?.code ?? 0 } : change.crs;
  let crsOffset = 0;
  if (crs !== null) {
    const text = (value: string | undefined): number => (value === undefined ? 0 : builder.createString(value));
    crsOffset = Crs.createCrs(builder, text(crs.org), crs.code ?? 0, text(crs.name), 0, text(crs.wkt), text(crs.codeString));
  }
  Header.startHeader(builder);
  Header.addGeometryType(builder, change.geometryType ?? header.geometryType);
  Header.addColumns(builder, columns);
  Header.addFeaturesCount(builder, BigInt(change.featuresCount ?? header.featuresCount));
  Header.addIndexNodeSize(builder, 0);
  if (crsOffset !== 0) Header.addCrs(builder, crsOffset);
  builder.finishSizePrefixed(Header.endHeader(builder));
  const newHeader = builder.asUint8Array();
  const features = file.subarray(12 + headerLength);
  const out = new Uint8Array(8 + newHeader.length + features.length);
  out.set(magicbytes);
  out.set(newHeader, 8);
  out.set(features, 8 + newHeader.length);
  return out;
}
