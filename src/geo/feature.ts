/** A point in E7 units (see e7.ts). */
export interface PointE7 {
  readonly latitude: number;
  readonly longitude: number;
}

/**
 * A named place at one point, as files, storage and the index hold it. The name may be empty;
 * the point is its key: a point holds at most one feature.
 */
export interface FeatureRecord extends PointE7 {
  readonly name: string;
}
