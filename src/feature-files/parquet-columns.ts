/**
 * Which of a Parquet file's columns hold each feature's point and name, and how to take them from a
 * row: the GeoParquet geometry column (WKB or native points), or plain latitude and longitude
 * columns found by findColumns; a dotted name (`names.primary`) reaches into a struct column.
 */
import { parquetSchema, type FileMetaData, type SchemaTree } from 'hyparquet';
import { degreesToE7, parseDecimal } from '../geo/e7.js';
import { findColumns, findNameColumn } from './columns.js';
import { FeatureFileError, type ColumnNames } from './feature-file.js';
import { readGeoMetadata } from './geoparquet-metadata.js';
import { readWkbPoint, WkbPoints } from './wkb-point.js';

/** A column's values for one row group, indexed by the row within the group. */
export type RowValues = (row: number) => unknown;

/** A point in E7, or why the row has none that can be seeded. */
export type RowPoint = { readonly latitude: number; readonly longitude: number } | { readonly problem: string };

/** What to read from the file (columns or fields of struct columns), and how to turn a row of them into a feature. */
export interface ParquetColumnPlan {
  /** The geometry (or latitude and longitude) first, then the name, if any. */
  readonly paths: readonly ColumnPath[];
  /** For a WKB geometry column (the first of `paths`): where its points are decoded as they are read. */
  readonly wkbPoints?: WkbPoints;
  point(values: ReadonlyMap<string, RowValues>, row: number): RowPoint;
  name(values: ReadonlyMap<string, RowValues>, row: number): string | { readonly problem: string };
}

/** A (possibly nested) column: the top-level column hyparquet reads, and the fields below it. */
export interface ColumnPath {
  readonly top: string;
  readonly fields: readonly string[];
  readonly label: string;
  /** A group (a struct, list or map), not a value: no name can come from it. */
  readonly group: boolean;
}

/** Every column and nested field, dotted (`names`, `names.primary`, ...), with its path. */
function columnPaths(tree: SchemaTree): ColumnPath[] {
  const paths: ColumnPath[] = [];
  const visit = (node: SchemaTree, top: string, fields: string[]): void => {
    paths.push({ top, fields, label: [top, ...fields].join('.'), group: node.children.length > 0 });
    for (const child of node.children) visit(child, top, [...fields, child.element.name]);
  };
  for (const child of tree.children) visit(child, child.element.name, []);
  return paths;
}

/** The row's value at `path`: read as such (`names.primary` decoded alone), or taken from its top-level column's struct. */
function valueAt(values: ReadonlyMap<string, RowValues>, path: ColumnPath, row: number): unknown {
  const direct = values.get(path.label);
  if (direct !== undefined) return direct(row);
  let value = values.get(path.top)?.(row);
  for (const field of path.fields) value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[field] : undefined;
  return value;
}

/** Names are kept byte for byte: bytes that are not UTF-8 are a bad record, not replacement characters. */
const utf8 = new TextDecoder('utf-8', { fatal: true });

function nameReader(file: string, path: ColumnPath | undefined, paths: readonly ColumnPath[]): ParquetColumnPlan['name'] {
  if (path === undefined) return () => '';
  if (path.group) {
    // Refused for the file, not row by row: --skip-invalid would skip every row.
    const fields = paths.filter((each) => each.label.startsWith(`${path.label}.`) && !each.group).map((each) => each.label);
    throw new FeatureFileError(
      `${file}: --name-column ${path.label}: the column is a group (a struct, list or map), not text${fields.length > 0 ? `; its fields are ${fields.slice(0, 8).join(', ')}` : ''}`,
    );
  }
  return (values, row) => {
    const value = valueAt(values, path, row);
    if (value === null || value === undefined) return '';
    if (typeof value === 'string') return value;
    if (value instanceof Uint8Array) {
      try {
        return utf8.decode(value);
      } catch {
        return { problem: `name (${path.label}) is not valid UTF-8` };
      }
    }
    if (typeof value === 'number' || typeof value === 'bigint') return String(value);
    return { problem: `name column ${path.label} holds ${Array.isArray(value) ? 'a list' : 'a struct'}, not text` };
  };
}

/** Degrees (a number, or a bigint integer) to E7, or the problem naming the coordinate. */
function e7(value: unknown, coordinate: 'latitude' | 'longitude', label: string): number | string {
  const limit = coordinate === 'latitude' ? 90 : 180;
  // Text as CSV holds it (a VARCHAR column): decimal degrees.
  const text = typeof value === 'string' ? value : value instanceof Uint8Array ? new TextDecoder().decode(value) : undefined;
  const degrees = typeof value === 'bigint' ? Number(value) : text !== undefined ? parseDecimal(text) : value;
  const converted = degreesToE7(degrees, limit);
  if (converted !== undefined) return converted;
  const shown =
    value === null || value === undefined ? 'null'
    : typeof value === 'number' || typeof value === 'bigint' ? String(value)
    : text !== undefined ? JSON.stringify(text)
    : typeof value;
  return `${coordinate} (${label}) ${shown} must be a number of degrees between -${limit} and ${limit}`;
}

function pointFromXY(x: unknown, y: unknown, label: string): RowPoint {
  const latitude = e7(y, 'latitude', `${label} y`);
  if (typeof latitude === 'string') return { problem: latitude };
  const longitude = e7(x, 'longitude', `${label} x`);
  if (typeof longitude === 'string') return { problem: longitude };
  return { latitude, longitude };
}

function geometryReader(path: ColumnPath, encoding: 'WKB' | 'point', wkbPoints: WkbPoints): ParquetColumnPlan['point'] {
  return (values, row) => {
    const value = valueAt(values, path, row);
    if (value === null || value === undefined) return { problem: `geometry (${path.label}) is null` };
    if (encoding === 'point') {
      const { x, y } = value as { x?: unknown; y?: unknown };
      if (Number.isNaN(x) && Number.isNaN(y)) return { problem: 'geometry is an empty point' };
      return pointFromXY(x, y, path.label);
    }
    // A number stands for a point decoded into wkbPoints as it was read (see WkbPoints).
    const point = typeof value === 'number' ? wkbPoints.get(value) : value instanceof Uint8Array ? readWkbPoint(value) : undefined;
    if (point === undefined) return { problem: `geometry (${path.label}) is not WKB bytes` };
    return 'problem' in point ? point : pointFromXY(point.x, point.y, path.label);
  };
}

/**
 * The plan for `metadata`'s file: its GeoParquet geometry column, unless there is no `geo` metadata
 * or `--lat-column` / `--lng-column` name plain columns instead.
 */
export function planParquetColumns(file: string, metadata: FileMetaData, names: ColumnNames = {}): ParquetColumnPlan {
  const paths = columnPaths(parquetSchema(metadata));
  const geo = metadata.key_value_metadata?.find(({ key }) => key === 'geo')?.value;
  if (geo !== undefined && names.latitude === undefined && names.longitude === undefined) {
    const { column, encoding } = readGeoMetadata(file, geo);
    const path = paths.find((candidate) => candidate.fields.length === 0 && candidate.top === column);
    if (path === undefined) throw new FeatureFileError(`${file}: geo metadata: primary_column ${JSON.stringify(column)} is not a column of the file`);
    const nameAt = findNameColumn(file, paths.map((candidate) => candidate.label), names);
    const name = nameAt === undefined ? undefined : paths[nameAt];
    const wkbPoints = new WkbPoints();
    return {
      paths: name ? [path, name] : [path],
      ...(encoding === 'WKB' ? { wkbPoints } : {}),
      point: geometryReader(path, encoding, wkbPoints),
      name: nameReader(file, name, paths),
    };
  }
  const found = findColumns(file, paths.map((path) => path.label), names);
  const latitude = paths[found.latitude]!;
  const longitude = paths[found.longitude]!;
  const name = found.name === undefined ? undefined : paths[found.name];
  return {
    paths: name ? [latitude, longitude, name] : [latitude, longitude],
    point: (values, row) => {
      const lat = e7(valueAt(values, latitude, row), 'latitude', latitude.label);
      if (typeof lat === 'string') return { problem: lat };
      const lng = e7(valueAt(values, longitude, row), 'longitude', longitude.label);
      return typeof lng === 'string' ? { problem: lng } : { latitude: lat, longitude: lng };
    },
    name: nameReader(file, name, paths),
  };
}
