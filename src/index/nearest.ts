import { EARTH_RADIUS_METRES, haversineMetres } from '../geo/distance.js';
import type { PointE7 } from '../geo/feature.js';
import type { FeatureColumns } from './feature-columns.js';

/**
 * Exact k-nearest features by great-circle distance over the rbush tree: a best-first search whose
 * one priority queue holds both tree nodes, keyed by a lower bound of the distance to anything in
 * their box, and features, keyed by their haversineMetres distance. A feature leaves the queue only
 * when nothing left in it can be nearer, so features come out in the brute-force order. The box
 * bound follows mourner's geokdbush: the nearest longitude of the box going round either way (so the
 * antimeridian is no edge), then the nearest latitude on that meridian.
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
 * How far a node's bound is lowered below what it computes: far more than the rounding of either
 * formula, so a bound never exceeds the computed distance of a feature inside the box. Being low
 * costs only a node opened a little early.
 */
const RELATIVE_SLACK = 1e-9;
const ABSOLUTE_SLACK_METRES = 1e-6;

/** sin²(θ/2): haversine's own building block. */
function haversin(theta: number): number {
  const s = Math.sin(theta / 2);
  return s * s;
}

/** Metres for a haversine value, in haversineMetres' atan2 form. */
function metres(h: number): number {
  const clamped = Math.min(1, Math.max(0, h));
  return 2 * EARTH_RADIUS_METRES * Math.atan2(Math.sqrt(clamped), Math.sqrt(1 - clamped));
}

/** The query point with what every bound needs, computed once. */
interface Query {
  readonly longitudeE7: number;
  readonly latitude: number;
  readonly sinLatitude: number;
  readonly cosLatitude: number;
}

/** The angle between two longitudes (E7) going round the shorter way, in E7. */
function longitudeGapE7(from: number, to: number): number {
  const gap = Math.abs(from - to);
  return gap > HALF_TURN_E7 ? FULL_TURN_E7 - gap : gap;
}

/** haversin of the distance from the query to the point at `latitude` (radians) whose longitude is `haversinGap` away. */
function haversinTo(query: Query, latitude: number, haversinGap: number): number {
  return haversin(query.latitude - latitude) + query.cosLatitude * Math.cos(latitude) * haversinGap;
}

/** A lower bound of the great-circle distance in metres from the query to any point in the node's box. */
function boxLowerBound(query: Query, node: SearchNode): number {
  const minLatitude = node.minY * RADIANS_PER_E7;
  const maxLatitude = node.maxY * RADIANS_PER_E7;
  let h: number;
  if (query.longitudeE7 >= node.minX && query.longitudeE7 <= node.maxX) {
    // Inside the box's longitudes: the nearest point is straight north or south.
    if (query.latitude < minLatitude) h = haversin(minLatitude - query.latitude);
    else if (query.latitude > maxLatitude) h = haversin(query.latitude - maxLatitude);
    else return 0;
  } else {
    // Every point of the box is at least `gap` away in longitude (round either way), and for any
    // latitude a smaller longitude gap is nearer, so the nearest point lies on the meridian `gap`
    // away. Along it the distance falls to one vertex and rises after it: the minimum over the box's
    // latitudes is at that vertex, if the box holds it, or else at a corner.
    const gap = Math.min(longitudeGapE7(query.longitudeE7, node.minX), longitudeGapE7(query.longitudeE7, node.maxX)) * RADIANS_PER_E7;
    const haversinGap = haversin(gap);
    h = Math.min(haversinTo(query, minLatitude, haversinGap), haversinTo(query, maxLatitude, haversinGap));
    const towardsVertex = query.cosLatitude * Math.cos(gap);
    // With a gap of 90 degrees or more the vertex lies beyond a pole, outside every box.
    if (towardsVertex > 0) {
      const vertex = Math.atan2(query.sinLatitude, towardsVertex);
      if (vertex > minLatitude && vertex < maxLatitude) h = Math.min(h, haversinTo(query, vertex, haversinGap));
    }
  }
  return Math.max(0, metres(h) * (1 - RELATIVE_SLACK) - ABSOLUTE_SLACK_METRES);
}

/**
 * A binary min-heap of nodes and features in parallel arrays, ordered by distance; at equal
 * distances nodes first (their features may tie and come earlier), then features by latitude, then
 * longitude, the answer's tie order.
 */
class SearchQueue {
  private keys: number[] = [];
  private nodes: (SearchNode | null)[] = [];
  private ids: number[] = [];
  /** Where features' coordinates are read, for ties; set only during a search. */
  private columns: FeatureColumns | null = null;
  size = 0;
  /** What pop() took out. */
  poppedKey = 0;
  poppedNode: SearchNode | null = null;
  poppedId = 0;

  start(columns: FeatureColumns): void {
    this.columns = columns;
    this.size = 0;
  }

  /** Empties the queue and lets go of the index, giving back room an unusually large search took. */
  finish(): void {
    this.nodes.fill(null, 0, this.size);
    this.size = 0;
    this.columns = null;
    this.poppedNode = null;
    if (this.keys.length > 65_536) {
      this.keys = [];
      this.nodes = [];
      this.ids = [];
    }
  }

  private before(i: number, j: number): boolean {
    const keys = this.keys;
    if (keys[i]! !== keys[j]!) return keys[i]! < keys[j]!;
    const nodeI = this.nodes[i] !== null;
    const nodeJ = this.nodes[j] !== null;
    if (nodeI || nodeJ) return nodeI && !nodeJ;
    const columns = this.columns!;
    const a = this.ids[i]!;
    const b = this.ids[j]!;
    const latitudeA = columns.latitude(a);
    const latitudeB = columns.latitude(b);
    if (latitudeA !== latitudeB) return latitudeA < latitudeB;
    return columns.longitude(a) < columns.longitude(b);
  }

  private swap(i: number, j: number): void {
    const key = this.keys[i]!;
    this.keys[i] = this.keys[j]!;
    this.keys[j] = key;
    const node = this.nodes[i]!;
    this.nodes[i] = this.nodes[j]!;
    this.nodes[j] = node;
    const id = this.ids[i]!;
    this.ids[i] = this.ids[j]!;
    this.ids[j] = id;
  }

  push(key: number, node: SearchNode | null, id: number): void {
    let i = this.size++;
    this.keys[i] = key;
    this.nodes[i] = node;
    this.ids[i] = id;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  pop(): void {
    this.poppedKey = this.keys[0]!;
    this.poppedNode = this.nodes[0]!;
    this.poppedId = this.ids[0]!;
    const last = --this.size;
    this.keys[0] = this.keys[last]!;
    this.nodes[0] = this.nodes[last]!;
    this.ids[0] = this.ids[last]!;
    // Drop the reference, so a finished search does not keep nodes of an old tree alive.
    this.nodes[last] = null;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= last) break;
      const right = left + 1;
      const child = right < last && this.before(right, left) ? right : left;
      if (!this.before(child, i)) break;
      this.swap(i, child);
      i = child;
    }
  }
}

/** Searches are synchronous, so one runs at a time: the queue is reused rather than allocated per call. */
const queue = new SearchQueue();

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
  const latitude = point.latitude * RADIANS_PER_E7;
  const query: Query = { longitudeE7: point.longitude, latitude, sinLatitude: Math.sin(latitude), cosLatitude: Math.cos(latitude) };
  const maxDistance = options.maxDistanceMetres;
  const foundIds: number[] = [];
  const foundDistances: number[] = [];
  queue.start(columns);
  // One reused point for haversineMetres, so that features are measured exactly as a brute-force scan measures them.
  const feature = { latitude: 0, longitude: 0 };
  const rootBound = boxLowerBound(query, root);
  if (rootBound <= maxDistance) queue.push(rootBound, root, 0);
  while (queue.size > 0 && foundIds.length < options.limit) {
    queue.pop();
    const node = queue.poppedNode;
    if (node === null) {
      const id = queue.poppedId;
      if (options.namedOnly && columns.name(id) === '') continue;
      foundIds.push(id);
      foundDistances.push(queue.poppedKey);
    } else if (node.leaf) {
      for (const child of node.children) {
        const id = child as number;
        feature.latitude = columns.latitude(id);
        feature.longitude = columns.longitude(id);
        const distance = haversineMetres(point, feature);
        if (distance <= maxDistance) queue.push(distance, null, id);
      }
    } else {
      for (const child of node.children) {
        const bound = boxLowerBound(query, child as SearchNode);
        if (bound <= maxDistance) queue.push(bound, child as SearchNode, 0);
      }
    }
  }
  queue.finish();
  // Built after the search, so that `make` may do anything, even search again.
  return foundIds.map((id, i) => make(columns.name(id), columns.latitude(id), columns.longitude(id), foundDistances[i]!));
}
