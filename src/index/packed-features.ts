import Flatbush from 'flatbush';
import type { PointE7 } from '../geo/feature.js';
import { countPackedCells, type CountGrid } from './grid-counts.js';
import { firstSlot } from './index-file-format.js';
import type { NearestOptions } from './nearest.js';
import { findNearestPacked, type PackedTree } from './packed-nearest.js';

/** An inclusive box in E7 units, already normalised (min <= max on each axis). */
export interface Box {
  readonly minLatitude: number;
  readonly maxLatitude: number;
  readonly minLongitude: number;
  readonly maxLongitude: number;
}

/** The buffers a packed index reads: mapped from an index file, or read into memory. */
export interface PackedBuffers {
  readonly count: number;
  /** flatbush's data. */
  readonly tree: Buffer;
  /** count + 1 Float64 name offsets. */
  readonly offsets: Buffer;
  /** The names' UTF-8 bytes, in pieces of `namePieceBytes` (the last may be shorter). */
  readonly names: readonly Buffer[];
  readonly namePieceBytes: number;
  /** The point hash's Uint32 slots. */
  readonly slots: Buffer;
}

const EMPTY = Buffer.alloc(0);

/**
 * The read-only base of the index: every feature of an index file, in a flatbush tree packed in
 * Hilbert order, with names by insertion number and a point hash, all read straight from the
 * buffers (no object per feature). A feature's id here is its leaf position p in the tree.
 */
export class PackedFeatures {
  readonly count: number;
  private readonly boxes: Int32Array;
  private readonly indices: Uint32Array | Uint16Array;
  private readonly levelBounds: readonly number[];
  private readonly nodeSize: number;
  private readonly offsets: Float64Array;
  private readonly names: readonly Buffer[];
  private readonly pieceBytes: number;
  private readonly slots: Uint32Array;
  private readonly tree: PackedTree;

  constructor(buffers: PackedBuffers) {
    this.count = buffers.count;
    const tree = Flatbush.from(buffers.tree.buffer, buffers.tree.byteOffset);
    if (!(tree._boxes instanceof Int32Array)) throw new Error('the packed tree does not hold Int32 coordinates');
    if (tree.numItems !== Math.max(1, buffers.count)) throw new Error(`the packed tree holds ${tree.numItems} items, not ${buffers.count}`);
    this.boxes = tree._boxes;
    this.indices = tree._indices;
    this.levelBounds = tree._levelBounds;
    this.nodeSize = tree.nodeSize;
    this.tree = { boxes: this.boxes, indices: this.indices, levelBounds: this.levelBounds, nodeSize: this.nodeSize, numItems: tree.numItems };
    this.offsets = new Float64Array(buffers.offsets.buffer, buffers.offsets.byteOffset, buffers.count + 1);
    this.names = buffers.names;
    this.pieceBytes = buffers.namePieceBytes;
    this.slots = new Uint32Array(buffers.slots.buffer, buffers.slots.byteOffset, buffers.slots.length / 4);
  }

  /** The features nearest to the point by great-circle distance, as FeatureIndex.nearest answers. */
  nearest<T>(point: PointE7, options: NearestOptions, make: (name: string, latitude: number, longitude: number, distanceMetres: number) => T): T[] {
    if (this.count === 0) return [];
    return findNearestPacked(this.tree, (position) => this.name(position), point, options, make);
  }

  /** Adds the features in each cell of the grid to `counts` (see countPackedCells: no feature is visited alone). */
  countCells(grid: CountGrid, counts: Uint32Array): void {
    countPackedCells(this.tree, this.count, grid, counts);
  }

  latitude(position: number): number {
    return this.boxes[4 * position + 1]!;
  }

  longitude(position: number): number {
    return this.boxes[4 * position]!;
  }

  /** The leaf position of the feature at exactly this point, or -1. */
  find(latitude: number, longitude: number): number {
    if (this.count === 0) return -1;
    const slots = this.slots;
    const boxes = this.boxes;
    const capacity = slots.length;
    for (let slot = firstSlot(latitude, longitude, capacity); ; slot = slot + 1 === capacity ? 0 : slot + 1) {
      const held = slots[slot]!;
      if (held === 0) return -1;
      const at = 4 * (held - 1);
      if (boxes[at + 1] === latitude && boxes[at] === longitude) return held - 1;
    }
  }

  /**
   * Where the name of the feature at `position` lies: the bytes `nameBytes[nameStart..nameEnd)`, set
   * by this call and valid until the next.
   */
  locateName(position: number): void {
    const number = this.indices[position]!;
    const start = this.offsets[number]!;
    const end = this.offsets[number + 1]!;
    const piece = Math.floor(start / this.pieceBytes);
    const base = piece * this.pieceBytes;
    if (end - base <= this.pieceBytes || start === end) {
      this.nameBytes = this.names[piece] ?? EMPTY;
      this.nameStart = start - base;
      this.nameEnd = end - base;
    } else {
      // A name across two pieces (rare: only at a piece's edge) is joined into a buffer of its own.
      const head = this.names[piece]!.subarray(start - base);
      this.nameBytes = Buffer.concat([head, this.names[piece + 1]!.subarray(0, end - start - head.length)]);
      this.nameStart = 0;
      this.nameEnd = end - start;
    }
  }

  nameBytes: Buffer = EMPTY;
  nameStart = 0;
  nameEnd = 0;

  name(position: number): string {
    this.locateName(position);
    return this.nameStart === this.nameEnd ? '' : this.nameBytes.toString('utf8', this.nameStart, this.nameEnd);
  }

  /** The end (exclusive, in box units) of the tree level that holds the node at box position `pos`. */
  private levelEnd(pos: number): number {
    const bounds = this.levelBounds;
    for (let i = 0; i < bounds.length; i++) if (bounds[i]! > pos) return bounds[i]!;
    return bounds[bounds.length - 1]!;
  }

  /**
   * The leaves under the node at box position `pos`, as leaf positions [first, end): a packed tree
   * keeps a subtree's leaves contiguous, so the first leaf of the next node on the level ends them.
   */
  leafRange(pos: number): [number, number] {
    const leafEnd = this.count * 4;
    const first = this.firstLeaf(pos);
    const next = pos + 4;
    const end = pos < leafEnd ? pos + 4 : next < this.levelEnd(pos) ? this.firstLeaf(next) : leafEnd;
    return [first / 4, end / 4];
  }

  private firstLeaf(pos: number): number {
    const leafEnd = this.count * 4;
    while (pos >= leafEnd) pos = this.indices[pos >> 2]!;
    return pos;
  }

  /**
   * Lazily yields the leaf positions of the features inside the box, edges included. A node wholly
   * inside the box yields its leaves without testing each.
   */
  *positionsWithin(box: Box): Generator<number, void, undefined> {
    const count = this.count;
    if (count === 0) return;
    const boxes = this.boxes;
    const indices = this.indices;
    const leafEnd = count * 4;
    const nodeSize4 = this.nodeSize * 4;
    const { minLatitude, maxLatitude, minLongitude, maxLongitude } = box;
    const root = boxes.length - 4;
    const pending: number[] = [root];
    while (pending.length > 0) {
      const pos = pending.pop()!;
      if (boxes[pos]! > maxLongitude || boxes[pos + 1]! > maxLatitude || boxes[pos + 2]! < minLongitude || boxes[pos + 3]! < minLatitude) continue;
      if (pos < leafEnd) {
        yield pos >> 2;
        continue;
      }
      if (boxes[pos]! >= minLongitude && boxes[pos + 1]! >= minLatitude && boxes[pos + 2]! <= maxLongitude && boxes[pos + 3]! <= maxLatitude) {
        const [first, end] = this.leafRange(pos);
        for (let p = first; p < end; p++) yield p;
        continue;
      }
      const start = indices[pos >> 2]!;
      const end = Math.min(start + nodeSize4, this.levelEnd(start));
      for (let child = end - 4; child >= start; child -= 4) pending.push(child);
    }
  }
}
