/**
 * Well-known binary (WKB) points, as GeoParquet stores geometries: ISO WKB in either byte order, with
 * the Z, M and ZM variants (ISO codes 1001, 2001, 3001, and EWKB's flag bits, which PostGIS-based
 * writers still emit) read for x and y alone.
 */

const GEOMETRY_TYPES = ['Geometry', 'Point', 'LineString', 'Polygon', 'MultiPoint', 'MultiLineString', 'MultiPolygon', 'GeometryCollection'];

/** EWKB's flags: Z (0x80000000) and M (0x40000000) add coordinates after x and y; this one adds an SRID before them. */
const EWKB_SRID = 0x2000_0000;

/** A point's x and y, or why the bytes are not a point that can be seeded. */
export type WkbPoint = { readonly x: number; readonly y: number } | { readonly problem: string };

/** Scratch space: a double's bytes are copied here, in little-endian order, and read back (no DataView a value). */
const scratch = new Uint8Array(8);
const scratchDouble = new Float64Array(scratch.buffer);
const nativeLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function uint32At(bytes: Uint8Array, at: number, littleEndian: boolean): number {
  return littleEndian
    ? (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0
    : ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
}

function doubleAt(bytes: Uint8Array, at: number, littleEndian: boolean): number {
  const same = littleEndian === nativeLittleEndian;
  for (let i = 0; i < 8; i++) scratch[i] = bytes[same ? at + i : at + 7 - i]!;
  return scratchDouble[0]!;
}

/** The point in `bytes`, or the problem: another geometry type (named), an empty point (NaN), or damaged bytes. */
export function readWkbPoint(bytes: Uint8Array): WkbPoint {
  if (bytes.length < 5) return { problem: `geometry is ${bytes.length} bytes, too short for WKB` };
  const order = bytes[0]!;
  if (order > 1) return { problem: `geometry is not WKB (byte order ${order}, expected 0 or 1)` };
  const littleEndian = order === 1;
  const code = uint32At(bytes, 1, littleEndian);
  const base = (code & 0x0fff_ffff) % 1000; // ISO adds 1000 (Z), 2000 (M) or 3000 (ZM); EWKB sets high bits
  if (base !== 1) {
    const type = GEOMETRY_TYPES[base] ?? `WKB geometry type ${code}`;
    return { problem: `geometry is a ${type}; only points can be seeded` };
  }
  // x and y come first whatever the dimensions; EWKB may put a 4-byte SRID before them.
  const offset = 5 + (code & EWKB_SRID ? 4 : 0);
  if (bytes.length < offset + 16) return { problem: `geometry is ${bytes.length} bytes, too short for a WKB point` };
  const x = doubleAt(bytes, offset, littleEndian);
  const y = doubleAt(bytes, offset + 8, littleEndian);
  if (Number.isNaN(x) && Number.isNaN(y)) return { problem: 'geometry is an empty point' };
  return { x, y };
}

/**
 * A row group's WKB points, decoded as hyparquet hands over each value: `add` keeps x and y in one
 * Float64Array and returns a small integer that stands for the point in the column's values. A row
 * group of 1M points then costs 16 MB here, instead of 1M Uint8Array views held until the group ends
 * (about 100 bytes each).
 */
export class WkbPoints {
  private coordinates = new Float64Array(2 * 4096);
  private count = 0;
  private readonly problems = new Map<number, string>();

  /** Forgets the points of the previous row group, keeping the memory. */
  reset(): void {
    this.count = 0;
    this.problems.clear();
  }

  add(bytes: Uint8Array): number {
    const index = this.count++;
    if (2 * this.count > this.coordinates.length) {
      const larger = new Float64Array(2 * this.coordinates.length);
      larger.set(this.coordinates);
      this.coordinates = larger;
    }
    const point = readWkbPoint(bytes);
    if ('problem' in point) this.problems.set(index, point.problem);
    else {
      this.coordinates[2 * index] = point.x;
      this.coordinates[2 * index + 1] = point.y;
    }
    return index;
  }

  /** The point `add` returned `index` for. */
  get(index: number): WkbPoint {
    const problem = this.problems.get(index);
    return problem === undefined ? { x: this.coordinates[2 * index]!, y: this.coordinates[2 * index + 1]! } : { problem };
  }
}
