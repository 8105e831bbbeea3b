import { EARTH_RADIUS_METRES, haversineMetres } from '../geo/distance.js';
import type { PointE7 } from '../geo/feature.js';
import type { FeatureColumns } from './feature-columns.js';

/**
 * Exact k-nearest features by great-circle distance over the rbush tree, by branch and bound: from
 * the root down, each node's children are visited nearest box first, and a box whose lower bound is
 * beyond the k-th distance found so far is never opened. Features are measured with haversineMetres,
 * as a brute-force scan measures them, and kept in the answer's order (distance, then latitude, then
 * longitude), so the answer is the scan's. As in mourner's geokdbush, a box's longitudes are reached
 * going round either way, so the antimeridian is no edge. The bound is haversine's own sum with each
 * term at its smallest over the box, taken from below by polynomials instead of trigonometry: most
 * boxes are compared once against the k-th distance and dropped.
 */

/** The part of an rbush node the search reads: x is longitude and y latitude, both E7; leaves hold feature ids. */
export interface SearchNode {
  readonly children: readonly (SearchNode | number)[];
  readonly leaf: boolean;
  readonly minX: number;
  readonly minY: number;
  readonly maxX: number;
  readonly maxY: number;
}

export interface NearestOptions {
  /** At most this many features. */
  readonly limit: number;
  /** Only features this near or nearer (inclusive); Infinity for no limit. */
  readonly maxDistanceMetres: number;
  /** Skip features with an empty name. */
  readonly namedOnly: boolean;
}

const RADIANS_PER_E7 = Math.PI / 180 / 1e7;
const HALF_TURN_E7 = 1_800_000_000;
const FULL_TURN_E7 = 3_600_000_000;
/**
 * How far a distance is raised before boxes are compared with it: far more than the rounding of the
 * bound or of haversineMetres, so a box is dropped only when everything in it is measurably farther.
 * Being generous costs only a box opened in vain.
 */
const RELATIVE_SLACK = 1e-9;
const ABSOLUTE_SLACK_METRES = 1e-6;

/** sin(x) from below for 0 <= x <= π/2: Taylor's series stopped after a negative term. */
function sinFromBelow(x: number): number {
  const x2 = x * x;
  return x * (1 - (x2 / 6) * (1 - (x2 / 20) * (1 - x2 / 42)));
}

/** cos(x) from below for 0 <= x <= π/2 (Taylor's series stopped after a negative term), never below 0. */
function cosFromBelow(x: number): number {
  const x2 = x * x;
  return Math.max(0, 1 - (x2 / 2) * (1 - (x2 / 12) * (1 - x2 / 30)));
}

/** The angle between two longitudes (E7) going round the shorter way, in E7. */
function longitudeGapE7(from: number, to: number): number {
  const gap = Math.abs(from - to);
  return gap > HALF_TURN_E7 ? FULL_TURN_E7 - gap : gap;
}

/**
 * A lower bound of haversin(distance / radius) from a point (E7) to any point of a box (E7; a point
 * is a box too). haversin(d) = hav(Δlatitude) + cos(latitude) cos(latitude') hav(Δlongitude): each
 * term is taken at its smallest over the box (the nearest latitude, the nearest longitude round
 * either way, the latitude farthest from the equator) and from below.
 */
function haversinFromBelow(latitudeE7: number, longitudeE7: number, cosLatitude: number, minX: number, minY: number, maxX: number, maxY: number): number {
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
function haversinAbove(metres: number): number {
  const angle = (metres * (1 + RELATIVE_SLACK) + ABSOLUTE_SLACK_METRES) / EARTH_RADIUS_METRES;
  if (!(angle < Math.PI)) return Number.POSITIVE_INFINITY;
  const s = Math.sin(angle / 2);
  return s * s;
}

/** The best features so far in the answer's order, at most `limit`, as a max-heap: the worst on top. */
class Answer {
  private ids: number[] = [];
  private distances: number[] = [];
  private columns: FeatureColumns | null = null;
  private limit = 0;
  size = 0;

  start(columns: FeatureColumns, limit: number): void {
    this.columns = columns;
    this.limit = limit;
    this.size = 0;
  }

  get full(): boolean {
    return this.size === this.limit;
  }

  /** The distance of the worst feature kept (meaningful once full). */
  get worstDistance(): number {
    return this.distances[0]!;
  }

  /** Whether (distance a, feature a) comes after (distance b, feature b): farther, or as far and further north, or east. */
  private after(distanceA: number, a: number, distanceB: number, b: number): boolean {
    if (distanceA !== distanceB) return distanceA > distanceB;
    const columns = this.columns!;
    const latitudeA = columns.latitude(a);
    const latitudeB = columns.latitude(b);
    if (latitudeA !== latitudeB) return latitudeA > latitudeB;
    return columns.longitude(a) > columns.longitude(b);
  }

  /** Keeps the feature if the answer has room or it beats the worst kept. */
  offer(id: number, distance: number): void {
    const ids = this.ids;
    const distances = this.distances;
    let i: number;
    if (this.size < this.limit) {
      i = this.size++;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!this.after(distance, id, distances[parent]!, ids[parent]!)) break;
        ids[i] = ids[parent]!;
        distances[i] = distances[parent]!;
        i = parent;
      }
    } else {
      if (!this.after(distances[0]!, ids[0]!, distance, id)) return;
      i = 0;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= this.size) break;
        const right = left + 1;
        const child = right < this.size && this.after(distances[right]!, ids[right]!, distances[left]!, ids[left]!) ? right : left;
        if (!this.after(distances[child]!, ids[child]!, distance, id)) break;
        ids[i] = ids[child]!;
        distances[i] = distances[child]!;
        i = child;
      }
    }
    ids[i] = id;
    distances[i] = distance;
  }

  /** The ids and distances kept, in the answer's order; empties the answer. */
  take(): { ids: number[]; distances: number[] } {
    const order = Array.from({ length: this.size }, (_, i) => i);
    order.sort((a, b) => (this.after(this.distances[a]!, this.ids[a]!, this.distances[b]!, this.ids[b]!) ? 1 : -1));
    const taken = { ids: order.map((i) => this.ids[i]!), distances: order.map((i) => this.distances[i]!) };
    this.size = 0;
    this.columns = null;
    return taken;
  }
}

/** One search: the query, the answer so far and the cut-off it sets. Searches are synchronous, so one object serves them all. */
class Search {
  private columns: FeatureColumns | null = null;
  private point: PointE7 = { latitude: 0, longitude: 0 };
  private cosLatitude = 1;
  private namedOnly = false;
  /** Nothing farther than this can be in the answer; features exactly at it may still win the tie. */
  private cutoff = 0;
  private cutoffHaversin = 0;
  /** One reused point for haversineMetres. */
  private readonly feature = { latitude: 0, longitude: 0 };
  /** Per depth, the children worth visiting and their bounds, nearest first; reused. */
  private readonly children: SearchNode[][] = [];
  private readonly bounds: number[][] = [];
  readonly answer = new Answer();

  run(root: SearchNode, columns: FeatureColumns, point: PointE7, options: NearestOptions): { ids: number[]; distances: number[] } {
    this.columns = columns;
    this.point = point;
    this.cosLatitude = Math.cos(point.latitude * RADIANS_PER_E7);
    this.namedOnly = options.namedOnly;
    this.cutoff = options.maxDistanceMetres;
    this.cutoffHaversin = haversinAbove(this.cutoff);
    this.answer.start(columns, options.limit);
    try {
      if (this.boundOf(root) <= this.cutoffHaversin) this.visit(root, 0);
      return this.answer.take();
    } finally {
      this.columns = null;
    }
  }

  private boundOf(node: SearchNode): number {
    return haversinFromBelow(this.point.latitude, this.point.longitude, this.cosLatitude, node.minX, node.minY, node.maxX, node.maxY);
  }

  private visit(node: SearchNode, depth: number): void {
    if (node.leaf) {
      this.measure(node.children as readonly number[]);
      return;
    }
    const children = (this.children[depth] ??= []);
    const bounds = (this.bounds[depth] ??= []);
    // Insertion sort by bound: a node has a few dozen children at most.
    let count = 0;
    for (const child of node.children as readonly SearchNode[]) {
      const bound = this.boundOf(child);
      if (bound > this.cutoffHaversin) continue;
      let i = count++;
      while (i > 0 && bounds[i - 1]! > bound) {
        bounds[i] = bounds[i - 1]!;
        children[i] = children[i - 1]!;
        i--;
      }
      bounds[i] = bound;
      children[i] = child;
    }
    for (let i = 0; i < count; i++) {
      // The cut-off shrinks as features are found: the rest are farther still.
      if (bounds[i]! > this.cutoffHaversin) break;
      this.visit(children[i]!, depth + 1);
    }
    // Let go of the nodes, so that a finished search keeps no part of an old tree alive.
    children.length = 0;
  }

  private measure(ids: readonly number[]): void {
    const columns = this.columns!;
    const { point, feature, answer } = this;
    for (const id of ids) {
      const latitude = columns.latitude(id);
      const longitude = columns.longitude(id);
      if (haversinFromBelow(point.latitude, point.longitude, this.cosLatitude, longitude, latitude, longitude, latitude) > this.cutoffHaversin) continue;
      feature.latitude = latitude;
      feature.longitude = longitude;
      const distance = haversineMetres(point, feature);
      if (distance > this.cutoff || (this.namedOnly && columns.name(id) === '')) continue;
      answer.offer(id, distance);
      if (answer.full && answer.worstDistance < this.cutoff) {
        this.cutoff = answer.worstDistance;
        this.cutoffHaversin = haversinAbove(this.cutoff);
      }
    }
  }
}

const search = new Search();

/**
 * The features nearest to `point` (E7) by haversineMetres, nearest first, ties by latitude then
 * longitude; `make` builds each answer from the feature and its distance in metres.
 */
export function findNearest<T>(
  root: SearchNode,
  columns: FeatureColumns,
  point: PointE7,
  options: NearestOptions,
  make: (name: string, latitude: number, longitude: number, distanceMetres: number) => T,
): T[] {
  if (root.children.length === 0 || options.limit <= 0) return [];
  const { ids, distances } = search.run(root, columns, point, options);
  // Built after the search, so that `make` may do anything, even search again.
  return ids.map((id, i) => make(columns.name(id), columns.latitude(id), columns.longitude(id), distances[i]!));
}
