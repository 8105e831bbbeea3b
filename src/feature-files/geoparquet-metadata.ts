/**
 * The `geo` key-value metadata of a GeoParquet file (versions 1.0.0 and 1.1.0 of the specification,
 * https://geoparquet.org/releases/v1.1.0/): which column holds the primary geometry, how it is
 * encoded, and in which coordinate reference system (CRS).
 */
import { FeatureFileError } from './feature-file.js';

/** How the primary geometry column is stored: WKB bytes, or 1.1's native `point` struct of x and y. */
export type GeometryEncoding = 'WKB' | 'point';

export interface GeoColumn {
  readonly column: string;
  readonly encoding: GeometryEncoding;
}

/** A PROJJSON identifier, `{ authority: 'EPSG', code: 4326 }`. */
interface CrsId {
  readonly authority?: unknown;
  readonly code?: unknown;
}

/** The CRS identifiers that mean longitude and latitude in degrees on WGS 84, x first (GeoParquet fixes the axis order as x, y). */
const ACCEPTED_CRS = new Set(['OGC:CRS84', 'EPSG:4326']);

/** `AUTHORITY:CODE` for each `id` / `ids` entry of a PROJJSON object. */
function crsNames(crs: Record<string, unknown>): string[] {
  const ids = [crs['id'], ...(Array.isArray(crs['ids']) ? crs['ids'] : [])].filter((id): id is CrsId => typeof id === 'object' && id !== null);
  return ids.map((id) => `${String(id.authority).toUpperCase()}:${String(id.code).toUpperCase()}`);
}

/**
 * Checks the column's `crs` as the specification reads it: absent means OGC:CRS84; a PROJJSON
 * object must be identified as OGC:CRS84 or EPSG:4326; JSON null means the CRS is undefined
 * (unknown), and coordinates in an unknown system cannot be placed on the map, so it is refused.
 */
function checkCrs(file: string, column: string, columnMetadata: Record<string, unknown>): void {
  if (!('crs' in columnMetadata)) return;
  const crs = columnMetadata['crs'];
  const allowed = 'only OGC:CRS84 (the default when crs is absent) or EPSG:4326 can be seeded';
  if (crs === null) throw new FeatureFileError(`${file}: geo metadata: column ${column}: crs is null, an undefined coordinate reference system; ${allowed}`);
  if (typeof crs !== 'object' || Array.isArray(crs)) throw new FeatureFileError(`${file}: geo metadata: column ${column}: crs must be a PROJJSON object; ${allowed}`);
  const names = crsNames(crs as Record<string, unknown>);
  if (names.some((name) => ACCEPTED_CRS.has(name))) return;
  const label = names[0] ?? JSON.stringify((crs as Record<string, unknown>)['name'] ?? 'a CRS without an id');
  throw new FeatureFileError(`${file}: geo metadata: column ${column}: crs ${label} is not supported; ${allowed}`);
}

/**
 * The primary geometry column that the file's `geo` metadata (`metadataJson`) describes, checked:
 * its encoding must be WKB or point, its CRS longitude/latitude on WGS 84. Each problem is one
 * line naming the file and what is allowed.
 */
export function readGeoMetadata(file: string, metadataJson: string): GeoColumn {
  let geo: unknown;
  try {
    geo = JSON.parse(metadataJson);
  } catch (error) {
    throw new FeatureFileError(`${file}: geo metadata is not JSON: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const root = (typeof geo === 'object' && geo !== null ? geo : {}) as Record<string, unknown>;
  const column = root['primary_column'];
  const columns = root['columns'];
  if (typeof column !== 'string' || typeof columns !== 'object' || columns === null) {
    throw new FeatureFileError(`${file}: geo metadata must name a primary_column and describe it under columns`);
  }
  const columnMetadata = (columns as Record<string, unknown>)[column];
  if (typeof columnMetadata !== 'object' || columnMetadata === null) {
    throw new FeatureFileError(`${file}: geo metadata: primary_column ${JSON.stringify(column)} is not described under columns`);
  }
  const described = columnMetadata as Record<string, unknown>;
  const encoding = described['encoding'];
  if (encoding !== 'WKB' && encoding !== 'point') {
    throw new FeatureFileError(`${file}: geo metadata: column ${column}: encoding ${JSON.stringify(encoding)} is not supported; points must be WKB or GeoParquet 1.1's point encoding`);
  }
  checkCrs(file, column, described);
  return { column, encoding };
}
