import { Buffer } from 'node:buffer';
import * as flatbuffers from 'flatbuffers';
import { magicbytes } from 'flatgeobuf/lib/mjs/constants.js';
import { Column } from 'flatgeobuf/lib/mjs/flat-geobuf/column.js';
import { ColumnType } from 'flatgeobuf/lib/mjs/flat-geobuf/column-type.js';
import { Crs } from 'flatgeobuf/lib/mjs/flat-geobuf/crs.js';
import { Feature } from 'flatgeobuf/lib/mjs/flat-geobuf/feature.js';
import { Geometry } from 'flatgeobuf/lib/mjs/flat-geobuf/geometry.js';
import { GeometryType } from 'flatgeobuf/lib/mjs/flat-geobuf/geometry-type.js';
import { Header } from 'flatgeobuf/lib/mjs/flat-geobuf/header.js';
import type { FeatureRecord } from '../geo/feature.js';
import type { ByteSink, FeatureWriter } from './feature-writer.js';

const E7_PER_DEGREE = 1e7;

/**
 * The magic bytes and the header of a point layer: one nullable `name` String column, EPSG:4326,
 * the feature count unknown (0) and no spatial index (index node size 0), since the features are
 * written as they come and a packed R-tree needs all of them before the first.
 */
function headerBytes(): Uint8Array {
  const builder = new flatbuffers.Builder(256);
  const columnName = builder.createString('name');
  Column.startColumn(builder);
  Column.addName(builder, columnName);
  Column.addType(builder, ColumnType.String);
  Column.addNullable(builder, true);
  const columns = Header.createColumnsVector(builder, [Column.endColumn(builder)]);
  const org = builder.createString('EPSG');
  const crs = Crs.createCrs(builder, org, 4326, 0, 0, 0, 0);
  const layerName = builder.createString('features');
  Header.startHeader(builder);
  Header.addName(builder, layerName);
  Header.addGeometryType(builder, GeometryType.Point);
  Header.addColumns(builder, columns);
  Header.addFeaturesCount(builder, 0n);
  Header.addIndexNodeSize(builder, 0);
  Header.addCrs(builder, crs);
  builder.finishSizePrefixed(Header.endHeader(builder));
  const header = builder.asUint8Array();
  const bytes = new Uint8Array(magicbytes.length + header.length);
  bytes.set(magicbytes);
  bytes.set(header, magicbytes.length);
  return bytes;
}

/**
 * A FlatGeobuf file (spec 3.x) written as the features arrive: the header, then each feature as a
 * size-prefixed flatbuffer built with the package's generated builders (one Builder reused), a
 * Point in degrees (x longitude, y latitude) and its name. No spatial index: readers (GDAL, QGIS,
 * the flatgeobuf package) read every feature in order; they cannot search by box without reading all.
 */
export function createFlatGeobufWriter(sink: ByteSink): FeatureWriter {
  const builder = new flatbuffers.Builder(1024);
  const xy = new Float64Array(2);
  let started = false;
  let ended = false;

  /** One feature, size-prefixed; the bytes lie in the builder's buffer until its next use. */
  function featureBytes({ name, latitude, longitude }: FeatureRecord): Uint8Array {
    builder.clear();
    const nameLength = Buffer.byteLength(name, 'utf8');
    // Properties: the column index (uint16), then a String value: its byte length (uint32) and UTF-8 bytes.
    const properties = Buffer.allocUnsafe(6 + nameLength);
    properties.writeUInt16LE(0, 0);
    properties.writeUInt32LE(nameLength, 2);
    properties.write(name, 6, 'utf8');
    const propertiesOffset = Feature.createPropertiesVector(builder, properties);
    xy[0] = longitude / E7_PER_DEGREE;
    xy[1] = latitude / E7_PER_DEGREE;
    const xyOffset = Geometry.createXyVector(builder, xy);
    Geometry.startGeometry(builder);
    Geometry.addXy(builder, xyOffset);
    const geometryOffset = Geometry.endGeometry(builder);
    Feature.startFeature(builder);
    Feature.addGeometry(builder, geometryOffset);
    Feature.addProperties(builder, propertiesOffset);
    builder.finishSizePrefixed(Feature.endFeature(builder));
    return builder.asUint8Array();
  }

  async function start(): Promise<void> {
    if (ended) throw new Error('the FlatGeobuf writer has ended');
    if (started) return;
    started = true;
    await sink.write(headerBytes());
  }

  return {
    async write(batch) {
      await start();
      if (batch.length === 0) return;
      // One chunk a batch: the features' bytes copied out of the builder, end to end.
      const parts: Uint8Array[] = [];
      let total = 0;
      for (const record of batch) {
        const bytes = featureBytes(record).slice();
        parts.push(bytes);
        total += bytes.length;
      }
      await sink.write(Buffer.concat(parts, total));
    },
    async end() {
      await start();
      ended = true;
    },
  };
}
