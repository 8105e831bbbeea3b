import * as flatbuffers from 'flatbuffers';
import { Feature } from 'flatgeobuf/lib/mjs/flat-geobuf/feature.js';
import { Geometry } from 'flatgeobuf/lib/mjs/flat-geobuf/geometry.js';
import { GeometryType } from 'flatgeobuf/lib/mjs/flat-geobuf/geometry-type.js';
import type { FeatureRecord } from '../geo/feature.js';
import { degreesToE7 } from '../geo/e7.js';
import { ByteQueue } from './byte-queue.js';
import { eachOf, FeatureFileError, openInput, type FeatureFile, type ReadOptions } from './feature-file.js';
import { readFlatGeobufHeader, type FlatGeobufLayout } from './flatgeobuf-header.js';
import { NameNotUtf8Error, stringProperty } from './flatgeobuf-properties.js';
import { InvalidRecords } from './invalid-records.js';

/** Read size: a chunk's complete features are decoded in one batch. */
const CHUNK_BYTES = 1 << 20;
/** A point feature this large is not one: the size prefix is corrupt (and would otherwise be buffered whole). */
const MAX_FEATURE_BYTES = 64 * 1024 * 1024;
const SIZE_PREFIX = 4;

/** A feature's record, or why it cannot be imported. */
type Decoded = { record: FeatureRecord } | { problem: string };

/**
 * Decodes one size-prefixed feature at `position` in `bb`, with the package's generated flatbuffers
 * classes (reused across features, as they allow): a Point's x as longitude and y as latitude in
 * degrees, and the name from the layout's name column.
 */
function decodeFeature(bb: flatbuffers.ByteBuffer, position: number, length: number, layout: FlatGeobufLayout, feature: Feature, geometry: Geometry): Decoded {
  // flatbuffers in JS does not verify a buffer: check that the tables read lie inside the feature.
  const start = position + SIZE_PREFIX;
  const end = start + length;
  const inside = (at: number): boolean => at >= start && at < end;
  bb.setPosition(position);
  Feature.getSizePrefixedRootAsFeature(bb, feature);
  if (!inside(feature.bb_pos)) throw new Error('its root table lies outside it');
  if (feature.columnsLength() > 0) return { problem: 'a feature with its own column schema is not supported' };
  const point = feature.geometry(geometry);
  if (point !== null && !inside(point.bb_pos)) throw new Error('its geometry lies outside it');
  const type = layout.geometryType === GeometryType.Unknown ? (point?.type() ?? GeometryType.Unknown) : layout.geometryType;
  if (point !== null && type !== GeometryType.Point) return { problem: `geometry: ${GeometryType[type] ?? `type ${type}`}, but only Point features can be imported` };
  if (point === null || point.xyLength() < 2) return { problem: 'geometry: an empty point' };
  const x = point.xy(0)!;
  const y = point.xy(1)!;
  if (Number.isNaN(x) && Number.isNaN(y)) return { problem: 'geometry: an empty point' };
  const longitude = degreesToE7(x, 180);
  if (longitude === undefined) return { problem: `geometry: x (longitude) ${x} must be a number of degrees between -180 and 180` };
  const latitude = degreesToE7(y, 90);
  if (latitude === undefined) return { problem: `geometry: y (latitude) ${y} must be a number of degrees between -90 and 90` };
  let name = '';
  if (layout.nameColumn !== undefined) {
    const properties = feature.propertiesArray();
    if (properties !== null) {
      const propertiesAt = properties.byteOffset - bb.bytes().byteOffset;
      if (propertiesAt < start || propertiesAt + properties.length > end) throw new Error('its properties lie outside it');
      try {
        name = stringProperty(properties, layout.columnTypes, layout.nameColumn) ?? '';
      } catch (error) {
        if (error instanceof NameNotUtf8Error) return { problem: `${layout.columnNames[layout.nameColumn]}: ${error.message}` };
        throw error;
      }
    }
  }
  return { record: { name, latitude, longitude } };
}

/**
 * A FlatGeobuf file (spec 3.x) of points, streamed from disk: the header, the spatial index
 * stepped over unread, then each feature as it arrives. The name comes from a String property
 * (`--name-column`, else `name`, else none). See flatgeobuf-header.ts for the CRS rule.
 */
export function readFlatGeobufFeatures(file: string, options: ReadOptions = {}): FeatureFile {
  const input = openInput(file, CHUNK_BYTES);
  const queue = new ByteQueue(input as AsyncIterable<Uint8Array>);
  const invalid = new InvalidRecords(options.skipInvalid ?? false);

  async function* batches(): AsyncGenerator<FeatureRecord[]> {
    let entry = 0;
    const corrupt = (problem: string): FeatureFileError => new FeatureFileError(`${file}: ${problem}`);
    try {
      const layout = await readFlatGeobufHeader(file, queue, options);
      if (!(await queue.skip(layout.indexBytes))) throw corrupt(`truncated: the file ends inside its spatial index (${layout.indexBytes} bytes)`);
      const feature = new Feature();
      const geometry = new Geometry();
      let bb = new flatbuffers.ByteBuffer(queue.bytes);
      for (;;) {
        const batch: FeatureRecord[] = [];
        let needed = SIZE_PREFIX;
        if (bb.bytes() !== queue.bytes) bb = new flatbuffers.ByteBuffer(queue.bytes);
        const view = new DataView(queue.bytes.buffer, queue.bytes.byteOffset, queue.bytes.byteLength);
        while (queue.available() >= SIZE_PREFIX) {
          const length = view.getUint32(queue.offset, true);
          if (length < 8 || length > MAX_FEATURE_BYTES) throw corrupt(`feature ${entry}: corrupt: its size prefix says ${length} bytes`);
          if (queue.available() < SIZE_PREFIX + length) {
            needed = SIZE_PREFIX + length;
            break;
          }
          let decoded: Decoded;
          try {
            decoded = decodeFeature(bb, queue.offset, length, layout, feature, geometry);
          } catch (error) {
            throw corrupt(`feature ${entry}: corrupt: ${error instanceof Error ? error.message : String(error)}`);
          }
          if ('record' in decoded) batch.push(decoded.record);
          else invalid.reject(new FeatureFileError(`${file}: feature ${entry}: ${decoded.problem}`));
          queue.offset += SIZE_PREFIX + length;
          entry++;
        }
        if (batch.length > 0) yield batch;
        if (!(await queue.fill(needed))) {
          if (queue.available() > 0) throw corrupt(`truncated: the file ends inside feature ${entry}`);
          break;
        }
      }
      if (layout.featuresCount > 0 && entry !== layout.featuresCount) {
        const problem = entry < layout.featuresCount ? 'truncated' : 'corrupt';
        throw corrupt(`${problem}: the header counts ${layout.featuresCount} features, the file holds ${entry}`);
      }
    } catch (error) {
      if (error instanceof FeatureFileError) throw error;
      const reason = error instanceof Error ? error.message : String(error);
      throw new FeatureFileError(`${file}: cannot read: ${reason}`, { cause: error });
    }
  }
  const all = batches();
  return { batches: all, features: eachOf(all), bytesRead: () => input.bytesRead, skipped: () => invalid.report(), close: () => input.destroy() };
}
