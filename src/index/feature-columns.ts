/**
 * Features stored column-wise and addressed by a dense integer id: coordinates in Int32Arrays and
 * names as UTF-8 bytes in one buffer. A million features cost a few flat allocations instead of a
 * million objects and a million strings, which is what keeps the index small per feature.
 */
export class FeatureColumns {
  private latitudes = new Int32Array(1024);
  private longitudes = new Int32Array(1024);
  /** nameEnds[id] is where feature id's name ends in nameBytes; it starts where id - 1's ends (nameEnds[0] is 0). */
  private nameEnds = new Uint32Array(1024);
  private nameBytes = Buffer.allocUnsafe(16 * 1024);
  /**
   * Slots used, including slot 0, which holds no feature: ids start at 1 because rbush's insert()
   * silently ignores a falsy item, and 0 is falsy.
   */
  private count = 1;

  /** The number of features. */
  get length(): number {
    return this.count - 1;
  }

  /** The first id; ids run from here to `length` inclusive. */
  static readonly FIRST_ID = 1;

  /** Reserves room for `more` features, so a bulk load grows each column once. */
  reserve(more: number): void {
    const needed = this.count + more;
    if (needed <= this.latitudes.length) return;
    const capacity = Math.max(needed, Math.ceil(this.latitudes.length * 1.5));
    this.latitudes = grown(this.latitudes, new Int32Array(capacity));
    this.longitudes = grown(this.longitudes, new Int32Array(capacity));
    this.nameEnds = grown(this.nameEnds, new Uint32Array(capacity));
  }

  /** Gives back the room reserved beyond what is used (after a bulk load, the name bytes grew by half at a time). */
  trim(): void {
    const used = this.nameEnds[this.count - 1]!;
    this.latitudes = this.latitudes.slice(0, this.count);
    this.longitudes = this.longitudes.slice(0, this.count);
    this.nameEnds = this.nameEnds.slice(0, this.count);
    const names = Buffer.allocUnsafeSlow(Math.max(used, 1));
    this.nameBytes.copy(names, 0, 0, used);
    this.nameBytes = names;
  }

  /** Forgets the features after the first `length` (appended but never published, as by a failed intake). */
  truncate(length: number): void {
    if (length < this.length) this.count = length + 1;
  }

  /** Appends a feature and returns its id. */
  push(name: string, latitude: number, longitude: number): number {
    if (this.count === this.latitudes.length) this.reserve(1);
    const id = this.count++;
    this.latitudes[id] = latitude;
    this.longitudes[id] = longitude;
    const start = this.nameEnds[id - 1]!;
    // A UTF-16 code unit never takes more than 3 UTF-8 bytes.
    if (start + name.length * 3 > this.nameBytes.length) {
      const bigger = Buffer.allocUnsafe(Math.max(start + name.length * 3, Math.ceil(this.nameBytes.length * 1.5)));
      this.nameBytes.copy(bigger, 0, 0, start);
      this.nameBytes = bigger;
    }
    this.nameEnds[id] = start + (name.length === 0 ? 0 : this.nameBytes.write(name, start, 'utf8'));
    return id;
  }

  latitude(id: number): number {
    return this.latitudes[id]!;
  }

  longitude(id: number): number {
    return this.longitudes[id]!;
  }

  name(id: number): string {
    const start = this.nameEnds[id - 1]!;
    const end = this.nameEnds[id]!;
    return start === end ? '' : this.nameBytes.toString('utf8', start, end);
  }

  /** Where feature id's name starts in `nameData`, as UTF-8 bytes; it ends at `nameEnd(id)`. */
  nameStart(id: number): number {
    return this.nameEnds[id - 1]!;
  }

  nameEnd(id: number): number {
    return this.nameEnds[id]!;
  }

  /**
   * Every name's UTF-8 bytes, for a caller that copies them without decoding a string. Replaced
   * when it grows: read it afresh for each feature, never keep it.
   */
  get nameData(): Buffer {
    return this.nameBytes;
  }

  /** Bytes held by the columns (capacity, not just what is used). */
  get byteLength(): number {
    return this.latitudes.byteLength + this.longitudes.byteLength + this.nameEnds.byteLength + this.nameBytes.length;
  }
}

function grown<T extends Int32Array | Uint32Array>(from: T, to: T): T {
  to.set(from);
  return to;
}
