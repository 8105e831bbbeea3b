import type Database from 'better-sqlite3';

/** Bits of the filter a point (with 4 hashes, about 1.2% of the points that hold no note pass). */
const BITS_PER_POINT = 10;
const HASHES = 4;
/** The fewest points a filter is sized for: 1.25 MB. */
const LEAST_CAPACITY = 1 << 20;
/** Points read from note_locations a turn of the event loop while a filter fills. */
const POINTS_PER_TURN = 20_000;

function mix(hash: number): number {
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  return hash ^ (hash >>> 16);
}

/** A Bloom filter of points: `has` may say yes for a point never added, never no for one added. */
class PointBloom {
  private readonly bits: Uint32Array;
  private readonly mask: number;
  /** Points added (with repeats). */
  added = 0;

  constructor(readonly capacity: number) {
    let size = 32;
    while (size < capacity * BITS_PER_POINT) size *= 2;
    this.bits = new Uint32Array(size / 32);
    this.mask = size - 1;
  }

  add(latitude: number, longitude: number): void {
    const first = mix(Math.imul(latitude, 0x9e3779b1) ^ longitude);
    const step = mix(first ^ Math.imul(longitude, 0x27d4eb2f)) | 1;
    for (let i = 0, bit = first; i < HASHES; i++, bit = (bit + step) | 0) {
      const at = bit & this.mask;
      this.bits[at >>> 5]! |= 1 << (at & 31);
    }
    this.added++;
  }

  has(latitude: number, longitude: number): boolean {
    const first = mix(Math.imul(latitude, 0x9e3779b1) ^ longitude);
    const step = mix(first ^ Math.imul(longitude, 0x27d4eb2f)) | 1;
    for (let i = 0, bit = first; i < HASHES; i++, bit = (bit + step) | 0) {
      const at = bit & this.mask;
      if ((this.bits[at >>> 5]! & (1 << (at & 31))) === 0) return false;
    }
    return true;
  }
}

/**
 * The points that note_locations may hold notes at, in memory, so that a lookup asks SQLite only
 * about those: most points a group commit asks about hold no note, and asking note_locations
 * about each cost more than storing the note (its B-tree outgrows the page cache). It fills in the
 * background from note_locations from the first lookup on, a page a turn, and takes in every note
 * moved there since (the tail's moves, this connection's and others'); until it is full it lets
 * every point through. Pruned notes stay in it: they only cost a lookup. When more points were
 * added than it was sized for, it starts over, twice as large, from note_locations.
 */
export interface LocationFilter {
  /** False only for a point that note_locations holds no note at (as far as this connection has seen). */
  mayHold(latitude: number, longitude: number): boolean;
  /** Takes in a point that a note was moved to note_locations at. */
  add(latitude: number, longitude: number): void;
  /**
   * Starts over, empty, to fill from note_locations at the first lookup (as it is then); until
   * full, every point passes. The caller hands it every note moved from now on, before and after.
   */
  refill(): void;
  /** Stops filling (the storage is closing). */
  stop(): void;
}

export function createLocationFilter(db: Database.Database): LocationFilter {
  const pageStatement = db
    .prepare(
      `SELECT DISTINCT latitude, longitude FROM note_locations
       WHERE (latitude, longitude) > (?, ?) ORDER BY latitude, longitude LIMIT ${POINTS_PER_TURN}`,
    )
    .raw();
  // About how many notes note_locations holds: the ids it spans, with pruned ones. Cheap: two index ends.
  const spanStatement = db
    .prepare('SELECT (SELECT indexed_through FROM note_locations_state) - coalesce((SELECT min(id) FROM notes), 0) + 1')
    .pluck();
  let bloom = new PointBloom(LEAST_CAPACITY);
  let ready = false;
  let stopped = false;
  let filling = 0;
  /**
   * Not filled yet: the first lookup starts it, so that a server's start-up (its index load) and a
   * command that never looks notes up (seed, copy) do not pay for it.
   */
  let pending = false;

  /** Reads note_locations into the current filter, a page a turn, in the background. */
  function fill(): void {
    const run = ++filling;
    let latitude = -Infinity;
    let longitude = -Infinity;
    const step = (): void => {
      if (stopped || run !== filling) return;
      let rows: [number, number][];
      try {
        rows = pageStatement.all(latitude, longitude) as [number, number][];
      } catch {
        // The database failed (or closed under us): stay unready, so that every lookup asks SQLite.
        return;
      }
      for (const [pointLatitude, pointLongitude] of rows) bloom.add(pointLatitude, pointLongitude);
      if (rows.length < POINTS_PER_TURN) {
        ready = true;
        return;
      }
      [latitude, longitude] = rows[rows.length - 1]!;
      setImmediate(step);
    };
    setImmediate(step);
  }

  /** A new, empty filter for at least `capacity` points; it fills when first asked, or now. */
  function refill(capacity: number, now: boolean): void {
    bloom = new PointBloom(Math.max(LEAST_CAPACITY, capacity));
    ready = false;
    filling++;
    pending = !now;
    if (now) fill();
  }

  return {
    mayHold(latitude, longitude) {
      if (pending) {
        pending = false;
        fill();
      }
      return !ready || bloom.has(latitude, longitude);
    },
    add(latitude, longitude) {
      bloom.add(latitude, longitude);
      if (bloom.added > bloom.capacity && ready) refill(2 * bloom.added, true);
    },
    refill() {
      refill(2 * Math.max(0, Number(spanStatement.get() ?? 0)), false);
    },
    stop() {
      stopped = true;
    },
  };
}
