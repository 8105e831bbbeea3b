import type Flatbush from 'flatbush';
import { e7ToRadians, haversineMetresFrom } from '../geo/distance.js';
import type { PointE7 } from '../geo/feature.js';
import { haversinAbove, haversinFromBelow } from './great-circle-bound.js';
import type { NearestOptions } from './nearest.js';
import { NearestAnswer } from './nearest-order.js';

/**
 * Exact k-nearest features by great-circle distance over a packed R-tree's flat buffers (flatbush's
 * layout): the same answers as findNearest (nearest.ts) gives over the dynamic tree, by the same
 * bounds (great-circle-bound.ts), but best-first: nodes wait in a min-heap on their bound, and the
 * search ends when the nearest waiting node is beyond the k-th distance found. flatbush's own
 * neighbors() is planar, and allocates per query; this allocates nothing beyond the answer.
 */

/**
 * A packed R-tree as flatbush lays it out: 4 Int32 a box (minX, minY, maxX, maxY; x is longitude and
 * y latitude, E7), the leaves (points: min = max) first, each level after the one below, the root
 * last. levelBounds[l] is where level l ends in `boxes`; a node's first child is at box position
 * indices[pos >> 2], its children are the next nodeSize boxes of the level below.
 */
export interface PackedTree {
  readonly boxes: Int32Array;
  readonly indices: Uint32Array | Uint16Array;
  readonly levelBounds: readonly number[];
  readonly nodeSize: number;
  readonly numItems: number;
}

/** The buffers of a Flatbush built with Int32Array coordinates. */
export function packedTreeOf(flatbush: Flatbush): PackedTree {
  if (!(flatbush._boxes instanceof Int32Array)) throw new Error('packedTreeOf: the Flatbush must be built with Int32Array coordinates');
  return {
    boxes: flatbush._boxes,
    indices: flatbush._indices,
    levelBounds: flatbush._levelBounds,
    nodeSize: flatbush.nodeSize,
    numItems: flatbush.numItems,
  };
}

/** The nodes still to open, nearest bound first: a binary min-heap in typed arrays, grown as needed. */
class NodeQueue {
  private bounds = new Float64Array(256);
  private positions = new Int32Array(256);
  private levels = new Uint8Array(256);
  length = 0;

  clear(): void {
    this.length = 0;
  }

  /** The bound of the nearest node waiting (the queue is not empty). */
  get nearestBound(): number {
    return this.bounds[0]!;
  }

  get nearestPosition(): number {
    return this.positions[0]!;
  }

  get nearestLevel(): number {
    return this.levels[0]!;
  }

  push(bound: number, position: number, level: number): void {
    if (this.length === this.bounds.length) this.grow();
    const { bounds, positions, levels } = this;
    let i = this.length++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (bounds[parent]! <= bound) break;
      bounds[i] = bounds[parent]!;
      positions[i] = positions[parent]!;
      levels[i] = levels[parent]!;
      i = parent;
    }
    bounds[i] = bound;
    positions[i] = position;
    levels[i] = level;
  }

  /** Drops the nearest node. */
  pop(): void {
    const { bounds, positions, levels } = this;
    const last = --this.length;
    if (last === 0) return;
    const bound = bounds[last]!;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= last) break;
      const right = left + 1;
      const child = right < last && bounds[right]! < bounds[left]! ? right : left;
      if (bounds[child]! >= bound) break;
      bounds[i] = bounds[child]!;
      positions[i] = positions[child]!;
      levels[i] = levels[child]!;
      i = child;
    }
    bounds[i] = bound;
    positions[i] = positions[last]!;
    levels[i] = levels[last]!;
  }

  private grow(): void {
    const capacity = this.bounds.length * 2;
    const bounds = new Float64Array(capacity);
    const positions = new Int32Array(capacity);
    const levels = new Uint8Array(capacity);
    bounds.set(this.bounds);
    positions.set(this.positions);
    levels.set(this.levels);
    this.bounds = bounds;
    this.positions = positions;
    this.levels = levels;
  }
}

/** One search: the query, the answer so far and the cut-off it sets; reused from search to search. */
class PackedSearch {
  private tree: PackedTree | null = null;
  private nameOf: ((position: number) => string) | null = null;
  private latitude = 0;
  private longitude = 0;
  private cosLatitude = 1;
  /** The point in radians, for haversineMetresFrom. */
  private latitudeRadians = 0;
  private longitudeRadians = 0;
  private namedOnly = false;
  /** Nothing farther than this can be in the answer; features exactly at it may still win the tie. */
  private cutoff = 0;
  private cutoffHaversin = 0;
  private readonly queue = new NodeQueue();
  readonly answer = new NearestAnswer();

  /** Fills the answer (ids are leaf positions), in the answer's order. */
  run(tree: PackedTree, nameOf: (position: number) => string, point: PointE7, options: NearestOptions): void {
    this.tree = tree;
    this.nameOf = nameOf;
    this.latitude = point.latitude;
    this.longitude = point.longitude;
    // As haversineMetres converts them, so that distances match it to the last bit.
    this.latitudeRadians = e7ToRadians(point.latitude);
    this.longitudeRadians = e7ToRadians(point.longitude);
    this.cosLatitude = Math.cos(this.latitudeRadians);
    this.namedOnly = options.namedOnly;
    this.cutoff = options.maxDistanceMetres;
    this.cutoffHaversin = haversinAbove(this.cutoff);
    this.answer.start(options.limit);
    const { boxes, levelBounds, indices, nodeSize } = tree;
    const queue = this.queue;
    queue.clear();
    try {
      const rootLevel = levelBounds.length - 1;
      const root = levelBounds[rootLevel]! - 4;
      const rootBound = haversinFromBelow(this.latitude, this.longitude, this.cosLatitude, boxes[root]!, boxes[root + 1]!, boxes[root + 2]!, boxes[root + 3]!);
      if (rootBound > this.cutoffHaversin) return;
      // The root's children start the level below it (flatbush leaves a lone root's index unset).
      let first = rootLevel >= 2 ? levelBounds[rootLevel - 2]! : 0;
      let level = rootLevel - 1;
      for (;;) {
        // Measured or queued in functions of their own, each small enough for V8 to inline its calls.
        const end = Math.min(first + 4 * nodeSize, levelBounds[level]!);
        if (level === 0) this.measure(boxes, first, end);
        else this.queueNodes(boxes, first, end, level);
        if (queue.length === 0 || queue.nearestBound > this.cutoffHaversin) break;
        first = indices[queue.nearestPosition >> 2]!;
        level = queue.nearestLevel - 1;
        queue.pop();
      }
      this.answer.sort();
    } finally {
      // An idle search keeps no old tree (or its mapping) alive.
      this.tree = null;
      this.nameOf = null;
    }
  }

  /** Queues the nodes from box position `first` to `end` (of `level`) that may hold a feature near enough. */
  private queueNodes(boxes: Int32Array, first: number, end: number, level: number): void {
    const { latitude, longitude, cosLatitude, cutoffHaversin, queue } = this;
    for (let position = first; position < end; position += 4) {
      const bound = haversinFromBelow(latitude, longitude, cosLatitude, boxes[position]!, boxes[position + 1]!, boxes[position + 2]!, boxes[position + 3]!);
      if (bound <= cutoffHaversin) queue.push(bound, position, level);
    }
  }

  /** Measures the features from leaf box position `first` to `end`, keeping those that enter the answer. */
  private measure(boxes: Int32Array, first: number, end: number): void {
    const { answer, latitude, longitude, cosLatitude, latitudeRadians, longitudeRadians } = this;
    for (let position = first; position < end; position += 4) {
      const featureLongitude = boxes[position]!;
      const featureLatitude = boxes[position + 1]!;
      if (haversinFromBelow(latitude, longitude, cosLatitude, featureLongitude, featureLatitude, featureLongitude, featureLatitude) > this.cutoffHaversin) continue;
      const distance = haversineMetresFrom(latitudeRadians, longitudeRadians, cosLatitude, featureLatitude, featureLongitude);
      if (distance > this.cutoff || !answer.wouldKeep(distance, featureLatitude, featureLongitude)) continue;
      const leaf = position >> 2;
      if (this.namedOnly && this.nameOf!(leaf) === '') continue;
      answer.offer(leaf, distance, featureLatitude, featureLongitude);
      if (answer.full && answer.worstDistance < this.cutoff) {
        this.cutoff = answer.worstDistance;
        this.cutoffHaversin = haversinAbove(this.cutoff);
      }
    }
  }
}

/** Searches not under way: a search started from `make` or `nameOf` (re-entered) takes another one. */
const idle: PackedSearch[] = [];

/**
 * The features nearest to `point` (E7) in a packed tree by haversineMetres, nearest first, ties by
 * latitude then longitude, as findNearest answers over the dynamic tree. `nameOf` gives the name of
 * the feature at a leaf position, and is asked only for namedOnly and for the answers; `make` builds
 * each answer from the feature and its distance in metres.
 */
export function findNearestPacked<T>(
  tree: PackedTree,
  nameOf: (position: number) => string,
  point: PointE7,
  options: NearestOptions,
  make: (name: string, latitude: number, longitude: number, distanceMetres: number) => T,
): T[] {
  if (tree.numItems === 0 || options.limit <= 0) return [];
  const search = idle.pop() ?? new PackedSearch();
  try {
    search.run(tree, nameOf, point, options);
    const { ids, distances, latitudes, longitudes, size } = search.answer;
    const found: T[] = [];
    for (let i = 0; i < size; i++) found.push(make(nameOf(ids[i]!), latitudes[i]!, longitudes[i]!, distances[i]!));
    return found;
  } finally {
    idle.push(search);
  }
}
