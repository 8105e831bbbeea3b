import { haversineMetres } from '../geo/distance.js';
import type { PointE7 } from '../geo/feature.js';
import type { FeatureColumns } from './feature-columns.js';
import { haversinAbove, haversinFromBelow, RADIANS_PER_E7 } from './great-circle-bound.js';
import { NearestAnswer } from './nearest-order.js';

/**
 * Exact k-nearest features by great-circle distance over the rbush tree, by branch and bound: from
 * the root down, each node's children are visited nearest box first, and a box whose lower bound is
 * beyond the k-th distance found so far is never opened. Features are measured with haversineMetres,
 * as a brute-force scan measures them, and kept in the answer's order (distance, then latitude, then
 * longitude), so the answer is the scan's. The bounds (great-circle-bound.ts) go round the
 * antimeridian and over the poles. packed-nearest.ts does the same over the packed tree's buffers.
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

/** One search: the query, the answer so far and the cut-off it sets; reused from search to search. */
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
  readonly answer = new NearestAnswer();

  /** Fills the answer, in the answer's order. */
  run(root: SearchNode, columns: FeatureColumns, point: PointE7, options: NearestOptions): void {
    this.columns = columns;
    this.point = point;
    this.cosLatitude = Math.cos(point.latitude * RADIANS_PER_E7);
    this.namedOnly = options.namedOnly;
    this.cutoff = options.maxDistanceMetres;
    this.cutoffHaversin = haversinAbove(this.cutoff);
    this.answer.start(options.limit);
    try {
      if (this.boundOf(root) <= this.cutoffHaversin) this.visit(root, 0);
      this.answer.sort();
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
      if (distance > this.cutoff || !answer.wouldKeep(distance, latitude, longitude) || (this.namedOnly && columns.name(id) === '')) continue;
      answer.offer(id, distance, latitude, longitude);
      if (answer.full && answer.worstDistance < this.cutoff) {
        this.cutoff = answer.worstDistance;
        this.cutoffHaversin = haversinAbove(this.cutoff);
      }
    }
  }
}

/** Searches not under way: a search started from `make` (re-entered) takes another one. */
const idle: Search[] = [];

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
  const search = idle.pop() ?? new Search();
  try {
    search.run(root, columns, point, options);
    const { ids, distances, latitudes, longitudes, size } = search.answer;
    const found: T[] = [];
    for (let i = 0; i < size; i++) found.push(make(columns.name(ids[i]!), latitudes[i]!, longitudes[i]!, distances[i]!));
    return found;
  } finally {
    idle.push(search);
  }
}
