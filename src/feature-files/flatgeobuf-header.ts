import * as flatbuffers from 'flatbuffers';
import type { CrsMeta } from 'flatgeobuf/lib/mjs/crs-meta.js';
import { ColumnType } from 'flatgeobuf/lib/mjs/flat-geobuf/column-type.js';
import { GeometryType } from 'flatgeobuf/lib/mjs/flat-geobuf/geometry-type.js';
import { fromByteBuffer, type HeaderMeta } from 'flatgeobuf/lib/mjs/header-meta.js';
import { calcTreeSize } from 'flatgeobuf/lib/mjs/packedrtree.js';
import type { ByteQueue } from './byte-queue.js';
import { findNameColumn } from './columns.js';
import { FeatureFileError, type ReadOptions } from './feature-file.js';

/** "fgb", the major version, "fgb", the patch version: the spec's eight magic bytes. */
const MAGIC = [0x66, 0x67, 0x62, -1, 0x66, 0x67, 0x62, -1];
/** The major version of the FlatGeobuf specification this reader reads (3.x). */
export const FLATGEOBUF_VERSION = 3;
/** The largest header the package's own readers accept (array-reader.js, http-reader.js). */
const MAX_HEADER_BYTES = 10 * 1024 * 1024;

/** What the reader needs from a FlatGeobuf header, checked. */
export interface FlatGeobufLayout {
  /** Point, or Unknown (each feature then says its own type). */
  readonly geometryType: GeometryType;
  /** The header's columns, by index, as the features' properties refer to them. */
  readonly columnNames: readonly string[];
  readonly columnTypes: readonly ColumnType[];
  /** Which column holds the name; undefined when the layer has none. */
  readonly nameColumn: number | undefined;
  /** 0 when the writer did not know it. */
  readonly featuresCount: number;
  /** The bytes of the packed Hilbert R-tree between the header and the features (0 without one). */
  readonly indexBytes: number;
}

/**
 * Reads the magic bytes and the header from the front of `input`, and checks what a point import
 * needs: spec version 3, a geometry type that may hold points, a CRS in longitude and latitude
 * degrees, and a String name column. Any problem is a FeatureFileError naming the file.
 */
export async function readFlatGeobufHeader(file: string, input: ByteQueue, options: ReadOptions): Promise<FlatGeobufLayout> {
  const fail = (problem: string): never => {
    throw new FeatureFileError(`${file}: ${problem}`);
  };
  if (!(await input.fill(12))) fail('not a FlatGeobuf file: shorter than its magic bytes and header size');
  const magic = input.bytes.subarray(input.offset, input.offset + 8);
  if (!MAGIC.every((byte, i) => byte < 0 || magic[i] === byte)) fail('not a FlatGeobuf file: the magic bytes "fgb" are missing');
  if (magic[3] !== FLATGEOBUF_VERSION) fail(`FlatGeobuf version ${magic[3]}.${magic[7]} is not supported: version ${FLATGEOBUF_VERSION}.x is read`);
  input.offset += 8;
  const headerBytes = new DataView(input.bytes.buffer, input.bytes.byteOffset + input.offset, 4).getUint32(0, true);
  if (headerBytes < 8 || headerBytes > MAX_HEADER_BYTES) fail(`corrupt FlatGeobuf header: its size ${headerBytes} is not between 8 and ${MAX_HEADER_BYTES} bytes`);
  if (!(await input.fill(4 + headerBytes))) fail('truncated: the file ends inside the header');
  let header: HeaderMeta;
  try {
    // A copy, aligned, that outlives the queue's buffer.
    header = fromByteBuffer(new flatbuffers.ByteBuffer(input.bytes.slice(input.offset, input.offset + 4 + headerBytes)));
  } catch (error) {
    return fail(`corrupt FlatGeobuf header: ${error instanceof Error ? error.message : String(error)}`);
  }
  input.offset += 4 + headerBytes;

  for (const flag of ['latitude', 'longitude'] as const) {
    if (options.columns?.[flag] !== undefined) {
      fail(`--${flag === 'latitude' ? 'lat' : 'lng'}-column does not apply to FlatGeobuf: its points are the features' geometries`);
    }
  }
  checkCrs(file, header.crs);
  const names = header.columns?.map((column) => column.name) ?? [];
  const types = header.columns?.map((column) => column.type) ?? [];
  const nameColumn = findNameColumn(file, names, options.columns);
  if (nameColumn !== undefined) {
    const type = types[nameColumn]!;
    if (type !== ColumnType.String) {
      fail(`the name column ${JSON.stringify(names[nameColumn])} is of type ${ColumnType[type] ?? type}; a name must be a String column (name one with --name-column)`);
    }
  }
  const featuresCount = header.featuresCount;
  // The tree's size follows from the count; with the count unknown (0) no writer can have written a tree.
  const indexBytes = header.indexNodeSize > 0 && featuresCount > 0 ? calcTreeSize(featuresCount, header.indexNodeSize) : 0;
  return { geometryType: header.geometryType, columnNames: names, columnTypes: types, nameColumn, featuresCount, indexBytes };
}

/**
 * FlatGeobuf stores x then y in the header's CRS. EPSG:4326 and OGC:CRS84 both mean longitude then
 * latitude in degrees there; a file with no CRS (or an empty one) is taken to be the same, WGS 84.
 * Any other CRS is refused, naming it.
 */
function checkCrs(file: string, crs: CrsMeta | null): void {
  if (crs === null) return;
  const org = (crs.org ?? 'EPSG').trim().toUpperCase(); // the spec: a null org means EPSG
  const codeString = crs.code_string?.trim().toUpperCase() ?? '';
  if (org === 'EPSG' && (crs.code === 4326 || codeString === '4326')) return;
  if (org === 'OGC' && codeString === 'CRS84') return;
  if (crs.code === 0 && codeString === '' && (crs.wkt ?? '') === '') return;
  const code = crs.code !== 0 ? String(crs.code) : codeString;
  const named = code === '' ? `given only as WKT${crs.name ? ` (${crs.name})` : ''}` : `${org}:${code}${crs.name ? ` (${crs.name})` : ''}`;
  throw new FeatureFileError(
    `${file}: CRS ${named} is not supported: FlatGeobuf points must be in EPSG:4326 or OGC:CRS84 (longitude, latitude in degrees)`,
  );
}
