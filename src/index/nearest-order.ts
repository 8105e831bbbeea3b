/**
 * The order of a nearest answer, for both trees' searches and for merging their answers: nearer
 * first, then as near and further south, then further west. Points are unique in the index, so the
 * order is total over its features.
 */

/** Whether A comes after B in the answer's order. */
export function comesAfter(distanceA: number, latitudeA: number, longitudeA: number, distanceB: number, latitudeB: number, longitudeB: number): boolean {
  if (distanceA !== distanceB) return distanceA > distanceB;
  if (latitudeA !== latitudeB) return latitudeA > latitudeB;
  return longitudeA > longitudeB;
}

/** A feature of an answer as mergeNearest's callers usually hold it. */
export interface NearestFound {
  readonly name: string;
  readonly latitude: number;
  readonly longitude: number;
  readonly distanceMetres: number;
}

/** The answer's order as a comparator over found features. */
export function compareNearest(a: NearestFound, b: NearestFound): number {
  if (comesAfter(a.distanceMetres, a.latitude, a.longitude, b.distanceMetres, b.latitude, b.longitude)) return 1;
  return comesAfter(b.distanceMetres, b.latitude, b.longitude, a.distanceMetres, a.latitude, a.longitude) ? -1 : 0;
}

/**
 * The first `limit` of two answers, each already in the order `compare` gives (as the packed base
 * and the recent tree each answer the same query): the answer over both. On a tie, `a`'s comes first.
 */
export function mergeNearest<T>(a: readonly T[], b: readonly T[], limit: number, compare: (x: T, y: T) => number): T[] {
  const merged: T[] = [];
  let i = 0;
  let j = 0;
  while (merged.length < limit && (i < a.length || j < b.length)) {
    if (j === b.length || (i < a.length && compare(a[i]!, b[j]!) <= 0)) merged.push(a[i++]!);
    else merged.push(b[j++]!);
  }
  return merged;
}

/**
 * The best features so far in the answer's order, at most `limit`, as a max-heap (the worst on top)
 * in typed arrays, so that a search allocates nothing once its arrays have grown to its limit.
 * `ids` are the caller's: feature ids or tree positions.
 */
export class NearestAnswer {
  ids = new Float64Array(16);
  distances = new Float64Array(16);
  latitudes = new Int32Array(16);
  longitudes = new Int32Array(16);
  size = 0;
  private limit = 0;
  /** The feature being offered (see offer). */
  private offeredId = 0;
  private offeredDistance = 0.5;
  private offeredLatitude = 0;
  private offeredLongitude = 0;

  start(limit: number): void {
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

  /** Whether a feature would be kept: the answer has room, or it comes before the worst kept. */
  wouldKeep(distance: number, latitude: number, longitude: number): boolean {
    return this.size < this.limit || comesAfter(this.distances[0]!, this.latitudes[0]!, this.longitudes[0]!, distance, latitude, longitude);
  }

  /** Keeps the feature if wouldKeep says so. */
  offer(id: number, distance: number, latitude: number, longitude: number): void {
    // Handed over in fields: V8 inlines this much into a search's loop, but not the heap's work,
    // and a double passed to a call that is not inlined is boxed, an allocation per feature kept.
    this.offeredId = id;
    this.offeredDistance = distance;
    this.offeredLatitude = latitude;
    this.offeredLongitude = longitude;
    this.keepOffered();
  }

  /** Keeps the offered feature if wouldKeep says so. */
  private keepOffered(): void {
    const { ids, distances, latitudes, longitudes, offeredId: id, offeredDistance: distance, offeredLatitude: latitude, offeredLongitude: longitude } = this;
    let i: number;
    if (this.size < this.limit) {
      if (this.size === ids.length) {
        this.grow();
        this.keepOffered();
        return;
      }
      i = this.size++;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!comesAfter(distance, latitude, longitude, distances[parent]!, latitudes[parent]!, longitudes[parent]!)) break;
        this.move(parent, i);
        i = parent;
      }
    } else {
      if (!comesAfter(distances[0]!, latitudes[0]!, longitudes[0]!, distance, latitude, longitude)) return;
      i = 0;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= this.size) break;
        const right = left + 1;
        const child =
          right < this.size && comesAfter(distances[right]!, latitudes[right]!, longitudes[right]!, distances[left]!, latitudes[left]!, longitudes[left]!)
            ? right
            : left;
        if (!comesAfter(distances[child]!, latitudes[child]!, longitudes[child]!, distance, latitude, longitude)) break;
        this.move(child, i);
        i = child;
      }
    }
    ids[i] = id;
    distances[i] = distance;
    latitudes[i] = latitude;
    longitudes[i] = longitude;
  }

  /** Sorts what is kept into the answer's order in place (a heapsort): entry 0 is the nearest. */
  sort(): void {
    const { ids, distances, latitudes, longitudes } = this;
    for (let end = this.size - 1; end > 0; end--) {
      // The worst left goes last; what was there sinks from the top of the shorter heap.
      const id = ids[end]!;
      const distance = distances[end]!;
      const latitude = latitudes[end]!;
      const longitude = longitudes[end]!;
      this.move(0, end);
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        if (left >= end) break;
        const right = left + 1;
        const child =
          right < end && comesAfter(distances[right]!, latitudes[right]!, longitudes[right]!, distances[left]!, latitudes[left]!, longitudes[left]!) ? right : left;
        if (!comesAfter(distances[child]!, latitudes[child]!, longitudes[child]!, distance, latitude, longitude)) break;
        this.move(child, i);
        i = child;
      }
      ids[i] = id;
      distances[i] = distance;
      latitudes[i] = latitude;
      longitudes[i] = longitude;
    }
  }

  private move(from: number, to: number): void {
    this.ids[to] = this.ids[from]!;
    this.distances[to] = this.distances[from]!;
    this.latitudes[to] = this.latitudes[from]!;
    this.longitudes[to] = this.longitudes[from]!;
  }

  private grow(): void {
    const capacity = this.ids.length * 2;
    const ids = new Float64Array(capacity);
    const distances = new Float64Array(capacity);
    const latitudes = new Int32Array(capacity);
    const longitudes = new Int32Array(capacity);
    ids.set(this.ids);
    distances.set(this.distances);
    latitudes.set(this.latitudes);
    longitudes.set(this.longitudes);
    this.ids = ids;
    this.distances = distances;
    this.latitudes = latitudes;
    this.longitudes = longitudes;
  }
}
