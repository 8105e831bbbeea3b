import { EARTH_RADIUS_METRES } from '../geo/distance.js';

/**
 * Lower bounds of great-circle distance from a point to a box, for the nearest searches of both
 * trees (nearest.ts over the dynamic tree, packed-nearest.ts over the packed one). As in mourner's
 * geokdbush, a box's longitudes are reached going round either way, so the antimeridian is no edge.
 * The bound is haversine's own sum with each term at its smallest over the box, taken from below by
 * polynomials instead of trigonometry: most boxes are compared once against the k-th distance and
 * dropped. Distances are compared as haversin(distance / radius), which grows with distance.
 */

export const RADIANS_PER_E7 = Math.PI / 180 / 1e7;
const HALF_TURN_E7 = 1_800_000_000;
const FULL_TURN_E7 = 3_600_000_000;
/**
 * How far a distance is raised before boxes are compared with it: far more than the rounding of the
 * bound or of haversineMetres, so a box is dropped only when everything in it is measurably farther.
 * Being generous costs only a box opened in vain.
 */
const RELATIVE_SLACK = 1e-9;
const ABSOLUTE_SLACK_METRES = 1e-6;

// Reciprocals, so that the polynomials multiply: a division costs several multiplications, and these
// run for every box a search compares. Their rounding is far inside the slack.
const SIXTH = 1 / 6;
const TWELFTH = 1 / 12;
const THIRTIETH = 1 / 30;

/**
 * sin(x) from below for 0 <= x <= π/2: Taylor's series stopped after its first negative term, x - x³/6.
 * It runs for every box compared. Its error, under x⁵/120, is nothing at the distances that decide
 * (1e-14 of a 100 km gap) and only loosens bounds of boxes a quarter of the globe away.
 */
function sinFromBelow(x: number): number {
  return x * (1 - x * x * SIXTH);
}

/** cos(x) from below for 0 <= x <= π/2 (Taylor's series stopped after a negative term), never below 0. */
function cosFromBelow(x: number): number {
  const x2 = x * x;
  return Math.max(0, 1 - x2 * 0.5 * (1 - x2 * TWELFTH * (1 - x2 * THIRTIETH)));
}

/** The angle between two longitudes (E7) going round the shorter way, in E7. */
function longitudeGapE7(from: number, to: number): number {
  const gap = Math.abs(from - to);
  return gap > HALF_TURN_E7 ? FULL_TURN_E7 - gap : gap;
}

/**
 * A lower bound of haversin(distance / radius) from a point (E7, with cosLatitude the cosine of its
 * latitude) to any point of a box (E7; a point is a box too). haversin(d) = hav(Δlatitude) +
 * cos(latitude) cos(latitude') hav(Δlongitude): each term is taken at its smallest over the box (the
 * nearest latitude, the nearest longitude round either way, the latitude farthest from the equator)
 * and from below.
 */
export function haversinFromBelow(
  latitudeE7: number,
  longitudeE7: number,
  cosLatitude: number,
  minX: number,
  minY: number,
  maxX: number,
  maxY: number,
): number {
  const latitudeGap = latitudeE7 < minY ? minY - latitudeE7 : latitudeE7 > maxY ? latitudeE7 - maxY : 0;
  const sinHalfLatitudeGap = sinFromBelow(latitudeGap * (RADIANS_PER_E7 / 2));
  let h = sinHalfLatitudeGap * sinHalfLatitudeGap;
  if (longitudeE7 < minX || longitudeE7 > maxX) {
    const longitudeGap = Math.min(longitudeGapE7(longitudeE7, minX), longitudeGapE7(longitudeE7, maxX));
    const sinHalfLongitudeGap = sinFromBelow(longitudeGap * (RADIANS_PER_E7 / 2));
    const farthestFromEquator = Math.max(Math.abs(minY), Math.abs(maxY)) * RADIANS_PER_E7;
    h += cosLatitude * cosFromBelow(farthestFromEquator) * sinHalfLongitudeGap * sinHalfLongitudeGap;
  }
  return h;
}

/** haversin(distance / radius) of a distance raised by the slack: boxes and features beyond it are dropped unmeasured. */
export function haversinAbove(metres: number): number {
  const angle = (metres * (1 + RELATIVE_SLACK) + ABSOLUTE_SLACK_METRES) / EARTH_RADIUS_METRES;
  if (!(angle < Math.PI)) return Number.POSITIVE_INFINITY;
  const s = Math.sin(angle / 2);
  return s * s;
}
