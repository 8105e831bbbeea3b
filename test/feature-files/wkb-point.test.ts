import { describe, expect, it } from 'vitest';
import { readWkbPoint, WkbPoints } from '../../src/feature-files/wkb-point.js';

/** WKB of `type` with `coordinates`, in the byte order asked for, with an EWKB SRID when given. */
function wkb(type: number, coordinates: number[], { littleEndian = true, srid }: { littleEndian?: boolean; srid?: number } = {}): Uint8Array {
  const view = new DataView(new ArrayBuffer(5 + (srid === undefined ? 0 : 4) + 8 * coordinates.length));
  view.setUint8(0, littleEndian ? 1 : 0);
  view.setUint32(1, type, littleEndian);
  let at = 5;
  if (srid !== undefined) {
    view.setUint32(at, srid, littleEndian);
    at += 4;
  }
  for (const value of coordinates) {
    view.setFloat64(at, value, littleEndian);
    at += 8;
  }
  return new Uint8Array(view.buffer);
}

describe('readWkbPoint', () => {
  it('reads x and y in both byte orders, from a view into a larger buffer', () => {
    expect(readWkbPoint(wkb(1, [-74.5, 40.25]))).toEqual({ x: -74.5, y: 40.25 });
    expect(readWkbPoint(wkb(1, [-74.5, 40.25], { littleEndian: false }))).toEqual({ x: -74.5, y: 40.25 });
    const padded = new Uint8Array(30);
    padded.set(wkb(1, [1.5, -2.5]), 7);
    expect(readWkbPoint(padded.subarray(7, 28))).toEqual({ x: 1.5, y: -2.5 });
  });

  it('reads ISO Z, M and ZM points and EWKB with Z and an SRID for x and y alone', () => {
    expect(readWkbPoint(wkb(1001, [3, 4, 5]))).toEqual({ x: 3, y: 4 });
    expect(readWkbPoint(wkb(2001, [3, 4, 6]))).toEqual({ x: 3, y: 4 });
    expect(readWkbPoint(wkb(3001, [3, 4, 5, 6], { littleEndian: false }))).toEqual({ x: 3, y: 4 });
    expect(readWkbPoint(wkb(0xa0000001, [3, 4, 5], { srid: 4326 }))).toEqual({ x: 3, y: 4 });
  });

  it('names the geometry type that is not a point, and refuses empty points and short bytes', () => {
    expect(readWkbPoint(wkb(3, []))).toEqual({ problem: 'geometry is a Polygon; only points can be seeded' });
    expect(readWkbPoint(wkb(1002, []))).toEqual({ problem: 'geometry is a LineString; only points can be seeded' });
    expect(readWkbPoint(wkb(4, [], { littleEndian: false }))).toEqual({ problem: 'geometry is a MultiPoint; only points can be seeded' });
    expect(readWkbPoint(wkb(1, [Number.NaN, Number.NaN]))).toEqual({ problem: 'geometry is an empty point' });
    expect(readWkbPoint(wkb(1, [1]))).toEqual({ problem: 'geometry is 13 bytes, too short for a WKB point' });
    expect(readWkbPoint(new Uint8Array([7, 1, 0, 0, 0]))).toEqual({ problem: 'geometry is not WKB (byte order 7, expected 0 or 1)' });
  });
});

describe('WkbPoints', () => {
  it('keeps each point under the number it returned, past its first buffer, and forgets them on reset', () => {
    const points = new WkbPoints();
    const indexes = Array.from({ length: 10_000 }, (_, i) => points.add(wkb(1, [i, -i])));
    const polygon = points.add(wkb(3, []));
    expect(points.get(indexes[9_999]!)).toEqual({ x: 9_999, y: -9_999 });
    expect(points.get(indexes[1]!)).toEqual({ x: 1, y: -1 });
    expect(points.get(polygon)).toEqual({ problem: 'geometry is a Polygon; only points can be seeded' });
    points.reset();
    expect(points.add(wkb(1, [7, 8]))).toBe(0);
    expect(points.get(0)).toEqual({ x: 7, y: 8 });
  });
});
