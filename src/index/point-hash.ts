import { FeatureColumns } from './feature-columns.js';

/** Slots in the smallest table (a power of two). */
const MIN_CAPACITY = 1024;
/** Inserts between two pauses of a sliced build. */
const INSERTS_PER_PAUSE = 16_384;

/**
 * The slot where a point's probe starts: the two coordinates mixed (murmur3's finaliser), so that
 * points on a grid or a line spread over the table.
 */
function slotOf(latitude: number, longitude: number, mask: number): number {
  let h = Math.imul(latitude, 0x9e3779b1) ^ longitude;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) & mask;
}

/** The smallest power-of-two table that keeps `count` ids at most half full. */
function capacityFor(count: number): number {
  let capacity = MIN_CAPACITY;
  while (capacity < count * 2) capacity *= 2;
  return capacity;
}

/**
 * An exact-point lookup over the feature columns: an open-addressing hash (linear probing) from a
 * point to the id of the feature there, in O(1) where the R-tree descends a path per lookup.
 *
 * A slot holds only a feature id (0 is empty: ids start at FeatureColumns.FIRST_ID), and the point
 * is read back from the columns to compare, so the table costs 4 bytes a slot, 8-16 bytes a feature
 * at most half full. Each point is held once: the first id added for a point is the one found.
 *
 * The table only grows. A caller hides ids it has not published (see `find`'s `lastId`), so ids
 * can be added ahead of publishing them, as a live intake does.
 */
export class PointHash {
  private slots: Int32Array;
  private mask: number;
  /** Ids held. */
  private size = 0;

  constructor(
    private readonly columns: FeatureColumns,
    capacity = MIN_CAPACITY,
  ) {
    this.slots = new Int32Array(capacity);
    this.mask = capacity - 1;
  }

  /** Ids held: each point once. */
  get count(): number {
    return this.size;
  }

  /** Bytes held by the table. */
  get byteLength(): number {
    return this.slots.byteLength;
  }

  /** The id of the feature at exactly this point among ids up to `lastId`, or -1. */
  find(latitude: number, longitude: number, lastId: number): number {
    const slots = this.slots;
    const mask = this.mask;
    const columns = this.columns;
    for (let slot = slotOf(latitude, longitude, mask); ; slot = (slot + 1) & mask) {
      const id = slots[slot]!;
      if (id === 0) return -1;
      // Latitude first: it differs for almost every other point, and saves reading the longitude.
      if (columns.latitude(id) === latitude && columns.longitude(id) === longitude) return id <= lastId ? id : -1;
    }
  }

  /**
   * Adds ids `from..to` (inclusive) of the columns, pausing (yielding) every INSERTS_PER_PAUSE ids.
   * Returns the table that holds them: this one, or, when they would fill it past half, a new, larger
   * one built from every id up to `to` while this one goes on answering `find`. A point already held
   * keeps its id.
   */
  *including(from: number, to: number): Generator<void, PointHash> {
    if (to < from) return this;
    if ((this.size + to - from + 1) * 2 <= this.slots.length) {
      yield* this.addRange(from, to);
      return this;
    }
    const grown = new PointHash(this.columns, capacityFor(this.size + to - from + 1));
    yield* grown.addRange(FeatureColumns.FIRST_ID, to);
    return grown;
  }

  private *addRange(from: number, to: number): Generator<void> {
    for (let id = from; id <= to; id++) {
      this.add(id);
      if ((id - from) % INSERTS_PER_PAUSE === INSERTS_PER_PAUSE - 1) yield;
    }
  }

  private add(id: number): void {
    const columns = this.columns;
    const latitude = columns.latitude(id);
    const longitude = columns.longitude(id);
    const slots = this.slots;
    const mask = this.mask;
    for (let slot = slotOf(latitude, longitude, mask); ; slot = (slot + 1) & mask) {
      const held = slots[slot]!;
      if (held === 0) {
        slots[slot] = id;
        this.size++;
        return;
      }
      if (held === id || (columns.latitude(held) === latitude && columns.longitude(held) === longitude)) return;
    }
  }
}
