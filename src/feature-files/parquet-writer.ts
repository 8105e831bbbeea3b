/**
 * GeoParquet 1.1.0 out: columns `name` (UTF-8) and `geometry` (WKB points, x longitude and y
 * latitude in degrees, OGC:CRS84, the default that an absent `crs` means), snappy, one row group
 * per ROW_GROUP_ROWS features, each handed to the sink as soon as it is encoded.
 */
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import type { FeatureRecord } from '../geo/feature.js';
import type { ByteSink, FeatureWriter } from './feature-writer.js';

/** Rows a row group: what the writer holds, and what a reader decodes at once (DuckDB writes 122,880, GDAL 65,536). */
export const ROW_GROUP_ROWS = 100_000;

const E7_PER_DEGREE = 1e7;
const utf8 = new TextEncoder();
const WKB_POINT_BYTES = 21;

// hyparquet-writer's own copy of hyparquet's types (it depends on another version of hyparquet).
type SchemaElement = ConstructorParameters<typeof ParquetWriter>[0]['schema'][number];
type KeyValue = NonNullable<ParquetWriter['kvMetadata']>[number];

const SCHEMA: SchemaElement[] = [
  { name: 'root', num_children: 2 },
  { name: 'name', type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: { type: 'STRING' }, repetition_type: 'REQUIRED' },
  // Plain BYTE_ARRAY holding WKB, as GeoParquet 1.1 describes it (no Parquet GEOMETRY logical type, which older readers lack).
  { name: 'geometry', type: 'BYTE_ARRAY', repetition_type: 'REQUIRED' },
];

/** A ByteWriter whose flush (after each row group) and finish hand the bytes so far to `sink`, then reuse its buffer. */
class SinkByteWriter extends ByteWriter {
  constructor(private readonly sink: ByteSink) {
    super(1 << 20);
  }

  flush(): Promise<void> {
    const bytes = this.getBytes().slice();
    this.index = 0;
    return this.sink.write(bytes);
  }

  override finish(): Promise<void> {
    return this.flush();
  }
}

/** The `geo` metadata: GeoParquet 1.1.0, WKB points, the bounding box of what was written (none for no features). */
function geoMetadata(bbox: readonly number[] | undefined): KeyValue {
  const geometry = { encoding: 'WKB', geometry_types: ['Point'], ...(bbox ? { bbox } : {}) };
  return { key: 'geo', value: JSON.stringify({ version: '1.1.0', primary_column: 'geometry', columns: { geometry } }) };
}

/** Writes features as GeoParquet to `sink`, `rowGroupRows` at a time: memory stays flat however many there are. */
export function createParquetWriter(sink: ByteSink, { rowGroupRows = ROW_GROUP_ROWS } = {}): FeatureWriter {
  const bytes = new SinkByteWriter(sink);
  const parquet = new ParquetWriter({ writer: bytes, schema: SCHEMA, codec: 'SNAPPY', createdBy: 'routeguide (hyparquet-writer)' });
  // Names as UTF-8 in one buffer a row group, ends[i] where name i ends: hyparquet-writer would otherwise
  // encode each string into an ArrayBuffer of its own (measured at 100k-row groups: 330 MiB peak RSS that way, 230 MiB this way).
  let nameBytes = new Uint8Array(1 << 20);
  let nameEnd = 0;
  let nameEnds: number[] = [];
  let points = new Uint8Array(rowGroupRows * WKB_POINT_BYTES);
  let view = new DataView(points.buffer);
  let geometries: Uint8Array[] = [];
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;

  const addName = (name: string): void => {
    if (nameBytes.length - nameEnd < 3 * name.length) {
      const larger = new Uint8Array(2 * Math.max(nameBytes.length, 3 * name.length));
      larger.set(nameBytes.subarray(0, nameEnd));
      nameBytes = larger;
    }
    nameEnd += utf8.encodeInto(name, nameBytes.subarray(nameEnd)).written;
    nameEnds.push(nameEnd);
  };

  const writeRowGroup = async (): Promise<void> => {
    if (nameEnds.length === 0) return;
    const names = nameEnds.map((end, i) => nameBytes.subarray(i === 0 ? 0 : nameEnds[i - 1], end));
    await parquet.write({
      columnData: [
        { name: 'name', data: names, encoding: 'PLAIN', statistics: false },
        { name: 'geometry', data: geometries, encoding: 'PLAIN', statistics: false },
      ],
      rowGroupSize: names.length,
    });
    nameEnds = [];
    nameEnd = 0;
    geometries = [];
    // The row group's WKB is encoded and written: a new buffer, since the old views are gone with it.
    points = new Uint8Array(rowGroupRows * WKB_POINT_BYTES);
    view = new DataView(points.buffer);
  };

  return {
    async write(batch: readonly FeatureRecord[]): Promise<void> {
      for (const { name, latitude, longitude } of batch) {
        const x = longitude / E7_PER_DEGREE;
        const y = latitude / E7_PER_DEGREE;
        const at = nameEnds.length * WKB_POINT_BYTES;
        view.setUint8(at, 1); // little endian
        view.setUint32(at + 1, 1, true); // Point
        view.setFloat64(at + 5, x, true);
        view.setFloat64(at + 13, y, true);
        geometries.push(points.subarray(at, at + WKB_POINT_BYTES));
        addName(name);
        minX = Math.min(minX, x);
        minY = Math.min(minY, y);
        maxX = Math.max(maxX, x);
        maxY = Math.max(maxY, y);
        if (nameEnds.length === rowGroupRows) await writeRowGroup();
      }
    },
    async end(): Promise<void> {
      await writeRowGroup();
      parquet.kvMetadata = [geoMetadata(Number.isFinite(minX) ? [minX, minY, maxX, maxY] : undefined)];
      await parquet.finish();
    },
  };
}
