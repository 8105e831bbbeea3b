/**
 * GeoParquet and plain Parquet feature files, read one row group at a time: only the columns a
 * feature needs, from byte ranges of the file, so memory grows with the row group's size and not the
 * file's. Byte-array columns (WKB, names) are decoded from their pages here (parquet-byte-column.ts),
 * anything else by hyparquet.
 */
import { parquetMetadataAsync, parquetRead, type ColumnData, type FileMetaData, type RowGroup } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import type { FeatureRecord } from '../geo/feature.js';
import { eachOf, FeatureFileError, type FeatureFile, type ReadOptions } from './feature-file.js';
import { InvalidRecords } from './invalid-records.js';
import { byteArrayLeafChunk, chunkRange, readByteColumn } from './parquet-byte-column.js';
import { planParquetColumns, type ParquetColumnPlan, type RowValues } from './parquet-columns.js';
import { openParquetSource, type ParquetSource } from './parquet-source.js';

/** Features a batch: a row group of 1M rows is handed on in pieces, so the records made from it stay few. */
const BATCH_ROWS = 16_384;

/**
 * Marks the WKB geometry column as Parquet's GEOMETRY logical type (unless the file did), so that
 * hyparquet hands each value to `geometryFromBytes`, where WkbPoints decodes it at once.
 */
function markGeometryColumn(metadata: FileMetaData, column: string): void {
  const element = metadata.schema.find((candidate, i) => i > 0 && candidate.name === column && candidate.num_children === undefined);
  if (element !== undefined && element.type === 'BYTE_ARRAY' && element.logical_type === undefined) element.logical_type = { type: 'GEOMETRY' };
}

/** One row group's values of the plan's columns, each as a function of the row within the group. */
async function readRowGroup(source: ParquetSource, metadata: FileMetaData, group: RowGroup, plan: ParquetColumnPlan, rowStart: number, rowEnd: number): Promise<Map<string, RowValues>> {
  const values = new Map<string, RowValues>();
  const { wkbPoints } = plan;
  // Byte-array leaves straight from their pages; whatever is left, by top-level column, through hyparquet.
  const columns = new Set<string>();
  for (const path of plan.paths) {
    const leaf = byteArrayLeafChunk(metadata, group, [path.top, ...path.fields]);
    if (leaf === undefined) {
      columns.add(path.top);
      continue;
    }
    const [start, end] = chunkRange(leaf.chunk);
    const bytes = new Uint8Array(await source.buffer.slice(start, end));
    values.set(path.label, readByteColumn(bytes, rowEnd - rowStart, leaf.chunk.meta_data!.codec, compressors, leaf.maxDefinitionLevel));
  }
  const chunks = new Map<string, ColumnData[]>([...columns].map((column) => [column, []]));
  const asBytes = (bytes: Uint8Array): unknown => bytes;
  wkbPoints?.reset();
  // One column at a time: hyparquet decodes a column chunk whole, and two at once took a 1M-row group's
  // peak RSS from 382 to 438 MiB (measured when every column went through hyparquet).
  for (const column of columns) {
    await parquetRead({
      compressors,
      // Text only where the schema says UTF-8; WKB points decoded as they come, other geometry left as bytes.
      utf8: false,
      parsers: { geometryFromBytes: wkbPoints ? (bytes: Uint8Array) => wkbPoints.add(bytes) : asBytes, geographyFromBytes: asBytes },
      file: source.buffer,
      metadata,
      columns: [column],
      rowStart,
      rowEnd,
      onChunk: (chunk) => chunks.get(chunk.columnName)?.push(chunk),
    });
  }
  for (const [column, pieces] of chunks) {
    pieces.sort((a, b) => a.rowStart - b.rowStart);
    if (pieces.length === 1 && pieces[0]!.rowStart === rowStart) {
      const data = pieces[0]!.columnData;
      values.set(column, (row) => data[row]);
      continue;
    }
    const all: unknown[] = new Array(rowEnd - rowStart);
    for (const piece of pieces) {
      for (let i = 0; i < piece.columnData.length; i++) {
        const at = piece.rowStart + i - rowStart;
        if (at >= 0 && at < all.length) all[at] = piece.columnData[i];
      }
    }
    values.set(column, (row) => all[row]);
  }
  return values;
}

/** Where `group`'s column chunks end in the file: how far into it a reader is once the group is read. */
function groupEnd(group: RowGroup): number {
  let end = 0;
  for (const { meta_data } of group.columns) {
    if (meta_data) end = Math.max(end, Number(meta_data.dictionary_page_offset ?? meta_data.data_page_offset) + Number(meta_data.total_compressed_size));
  }
  return end;
}

/** The feature in row `row` of a row group, or why it cannot be seeded. */
function featureAt(plan: ParquetColumnPlan, values: ReadonlyMap<string, RowValues>, row: number): FeatureRecord | string {
  const point = plan.point(values, row);
  if ('problem' in point) return point.problem;
  const name = plan.name(values, row);
  if (typeof name !== 'string') return name.problem;
  return { name, latitude: point.latitude, longitude: point.longitude };
}

/**
 * A Parquet file, streamed by row group. With GeoParquet `geo` metadata (1.0.0 or 1.1.0), the
 * points come from its primary geometry column (WKB points or 1.1's native point encoding) in
 * OGC:CRS84 or EPSG:4326; without it, or when `--lat-column` / `--lng-column` are given, from plain
 * columns in degrees. The name comes from `--name-column` (dotted for nested columns) or `name`.
 * A bad row is an error naming the file and the row (0-based), or is counted under `skipInvalid`.
 */
export function readParquetFeatures(file: string, options: ReadOptions = {}): FeatureFile {
  const source = openParquetSource(file);
  const invalid = new InvalidRecords(options.skipInvalid ?? false);
  /** How far into the file the row groups read so far reach (the columns left unread count as passed). */
  let position = 0;

  async function* batches(): AsyncGenerator<FeatureRecord[]> {
    try {
      const metadata = await parquetMetadataAsync(source.buffer, { geoparquet: false });
      const plan = planParquetColumns(file, metadata, options.columns);
      if (plan.wkbPoints) markGeometryColumn(metadata, plan.paths[0]!.top);
      let groupStart = 0;
      for (const group of metadata.row_groups) {
        const groupRows = Number(group.num_rows);
        const values = await readRowGroup(source, metadata, group, plan, groupStart, groupStart + groupRows);
        position = Math.max(position, groupEnd(group));
        for (let first = 0; first < groupRows; first += BATCH_ROWS) {
          const batch: FeatureRecord[] = [];
          for (let row = first; row < Math.min(first + BATCH_ROWS, groupRows); row++) {
            const feature = featureAt(plan, values, row);
            if (typeof feature === 'string') invalid.reject(new FeatureFileError(`${file}: row ${groupStart + row}: ${feature}`));
            else batch.push(feature);
          }
          if (batch.length > 0) yield batch;
        }
        groupStart += groupRows;
      }
      position = source.buffer.byteLength;
    } catch (error) {
      if (error instanceof FeatureFileError) throw error;
      const reason = error instanceof Error ? error.message : String(error);
      throw new FeatureFileError(`${file}: cannot read as Parquet: ${reason}`, { cause: error });
    } finally {
      source.close();
    }
  }
  const all = batches();
  return { batches: all, features: eachOf(all), bytesRead: () => position, skipped: () => invalid.report(), close: () => source.close() };
}
