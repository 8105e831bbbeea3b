/**
 * The features loaded for a view, in flat typed arrays: 100,000 points cost 1.6 MB of coordinates
 * and no object per point, so projecting and drawing them stays a tight loop.
 */
export class FeatureSet {
  latitudes: Float64Array;
  longitudes: Float64Array;
  readonly names: string[] = [];
  size = 0;

  constructor(capacity = 1024) {
    this.latitudes = new Float64Array(capacity);
    this.longitudes = new Float64Array(capacity);
  }

  /** Adds a feature; coordinates in E7, stored in degrees. */
  add(latitudeE7: number, longitudeE7: number, name: string): void {
    if (this.size === this.latitudes.length) this.grow();
    this.latitudes[this.size] = latitudeE7 / 1e7;
    this.longitudes[this.size] = longitudeE7 / 1e7;
    this.names.push(name);
    this.size += 1;
  }

  private grow(): void {
    const latitudes = new Float64Array(this.latitudes.length * 2);
    const longitudes = new Float64Array(this.longitudes.length * 2);
    latitudes.set(this.latitudes);
    longitudes.set(this.longitudes);
    this.latitudes = latitudes;
    this.longitudes = longitudes;
  }
}

/** The set's index nearest to the screen point within `radius` pixels, or -1. */
export function pickFeature(
  features: FeatureSet,
  toScreen: (latitude: number, longitude: number) => { x: number; y: number },
  x: number,
  y: number,
  radius: number,
): number {
  let best = -1;
  let bestDistance = radius * radius;
  for (let i = 0; i < features.size; i++) {
    const point = toScreen(features.latitudes[i]!, features.longitudes[i]!);
    const distance = (point.x - x) ** 2 + (point.y - y) ** 2;
    if (distance <= bestDistance) {
      best = i;
      bestDistance = distance;
    }
  }
  return best;
}
