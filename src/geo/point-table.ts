/**
 * A hash table from E7 points to non-negative integers, in typed arrays: no object and no string a
 * point. RouteChat's group commit and SQLite's note lookups take in hundreds of thousands of points
 * a second, and a Map keyed by pointKey (or by latitude, then longitude) made garbage for each.
 * Open addressing with linear probing; it only grows, and is emptied whole.
 */
export class PointTable {
  private latitudes: Int32Array;
  private longitudes: Int32Array;
  /** The value + 1 at each slot; 0 for an empty slot. */
  private values: Int32Array;
  private mask: number;
  private count = 0;

  constructor(expected = 16) {
    let capacity = 16;
    while (capacity < expected * 2) capacity *= 2;
    this.latitudes = new Int32Array(capacity);
    this.longitudes = new Int32Array(capacity);
    this.values = new Int32Array(capacity);
    this.mask = capacity - 1;
  }

  get size(): number {
    return this.count;
  }

  private slotOf(latitude: number, longitude: number): number {
    let slot = (Math.imul(latitude, 0x9e3779b1) ^ Math.imul(longitude ^ (latitude >>> 15), 0x85ebca77)) & this.mask;
    while (this.values[slot] !== 0 && (this.latitudes[slot] !== latitude || this.longitudes[slot] !== longitude)) slot = (slot + 1) & this.mask;
    return slot;
  }

  /** The value at a point, or -1 for none. */
  get(latitude: number, longitude: number): number {
    return this.values[this.slotOf(latitude, longitude)]! - 1;
  }

  /** Sets the value at a point (0 <= value < 2^31 - 1). */
  set(latitude: number, longitude: number, value: number): void {
    let slot = this.slotOf(latitude, longitude);
    if (this.values[slot] === 0) {
      if ((this.count + 1) * 2 > this.values.length) {
        this.grow();
        slot = this.slotOf(latitude, longitude);
      }
      this.latitudes[slot] = latitude;
      this.longitudes[slot] = longitude;
      this.count++;
    }
    this.values[slot] = value + 1;
  }

  clear(): void {
    this.values.fill(0);
    this.count = 0;
  }

  private grow(): void {
    const { latitudes, longitudes, values } = this;
    const capacity = values.length * 2;
    this.latitudes = new Int32Array(capacity);
    this.longitudes = new Int32Array(capacity);
    this.values = new Int32Array(capacity);
    this.mask = capacity - 1;
    for (let slot = 0; slot < values.length; slot++) {
      if (values[slot] === 0) continue;
      const to = this.slotOf(latitudes[slot]!, longitudes[slot]!);
      this.latitudes[to] = latitudes[slot]!;
      this.longitudes[to] = longitudes[slot]!;
      this.values[to] = values[slot]!;
    }
  }
}
