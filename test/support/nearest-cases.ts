import fc from 'fast-check';
import Flatbush from 'flatbush';
import { haversineMetres } from '../../src/geo/distance.js';
import type { FeatureRecord, PointE7 } from '../../src/geo/feature.js';
import { packedTreeOf, type PackedTree } from '../../src/index/packed-nearest.js';

/** A found feature, as the nearest tests compare answers. */
export interface Found {
  readonly name: string;
  readonly latitude: number;
  readonly longitude: number;
  readonly distance: number;
}

export interface Query {
  readonly point: PointE7;
  readonly limit: number;
  /** Inclusive; Infinity for no limit. */
  readonly maxDistance: number;
  readonly namedOnly: boolean;
}

export const found = (name: string, latitude: number, longitude: number, distance: number): Found => ({ name, latitude, longitude, distance });

/** The answer by definition: every feature measured, sorted by (distance, latitude, longitude). */
export function bruteForce(features: readonly FeatureRecord[], query: Query): Found[] {
  return features
    .map((f) => found(f.name, f.latitude, f.longitude, haversineMetres(query.point, f)))
    .filter((f) => f.distance <= query.maxDistance && !(query.namedOnly && f.name === ''))
    .sort((a, b) => a.distance - b.distance || a.latitude - b.latitude || a.longitude - b.longitude)
    .slice(0, query.limit);
}

/** A packed tree over the features (flatbush, Int32 coordinates), and the name at each leaf position. */
export function packFeatures(features: readonly FeatureRecord[], nodeSize = 16): { tree: PackedTree; nameOf: (position: number) => string } {
  const flatbush = new Flatbush(features.length, nodeSize, Int32Array);
  for (const { latitude, longitude } of features) flatbush.add(longitude, latitude, longitude, latitude);
  flatbush.finish();
  const tree = packedTreeOf(flatbush);
  return { tree, nameOf: (position) => features[tree.indices[position]!]!.name };
}

export const key = (p: PointE7) => `${p.latitude},${p.longitude}`;

const anyLatitude = fc.integer({ min: -900_000_000, max: 900_000_000 });
const anyLongitude = fc.integer({ min: -1_800_000_000, max: 1_800_000_000 });
/** Within 1 degree of the antimeridian, on either side of it. */
const nearAntimeridian = fc.oneof(fc.integer({ min: 1_790_000_000, max: 1_800_000_000 }), fc.integer({ min: -1_800_000_000, max: -1_790_000_000 }));
/** Within 1 degree of a pole. */
const nearPole = fc.oneof(fc.integer({ min: 890_000_000, max: 900_000_000 }), fc.integer({ min: -900_000_000, max: -890_000_000 }));
/** A coarse grid (15 degrees): points mirrored about a query give exactly equal distances, ties to order. */
const gridPoint = fc.record({
  latitude: fc.integer({ min: -6, max: 6 }).map((v) => v * 150_000_000),
  longitude: fc.integer({ min: -12, max: 12 }).map((v) => v * 150_000_000),
});
/** A small cluster around the antimeridian and the equator, so that many answers straddle the line. */
const nearDateLine = fc.record({ latitude: fc.integer({ min: -10_000_000, max: 10_000_000 }), longitude: nearAntimeridian });
export const point: fc.Arbitrary<PointE7> = fc.oneof(
  fc.record({ latitude: anyLatitude, longitude: anyLongitude }),
  fc.record({ latitude: anyLatitude, longitude: nearAntimeridian }),
  fc.record({ latitude: nearPole, longitude: anyLongitude }),
  fc.record({ latitude: nearPole, longitude: nearAntimeridian }),
  nearDateLine,
  gridPoint,
);
/** Features at distinct points (the index holds at most one a point), a quarter unnamed. */
export const features = (maxLength: number, minLength = 0) =>
  fc.uniqueArray(
    fc.tuple(point, fc.constantFrom('', 'a', 'b', 'Überlingen')).map(([p, name]) => ({ ...p, name })),
    { selector: key, minLength, maxLength, size: 'max' },
  );
const limit = fc.oneof(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 1000 }));
type MaxDistanceChoice = { kind: 'none' } | { kind: 'metres'; metres: number } | { kind: 'feature'; pick: number };

/** No limit, any distance, or exactly one feature's distance (inclusive: it must be in the answer). */
const maxDistanceChoice: fc.Arbitrary<MaxDistanceChoice> = fc.oneof(
  fc.constant({ kind: 'none' as const }),
  fc.record({ kind: fc.constant('metres' as const), metres: fc.double({ min: 0, max: 2.1e7, noNaN: true }) }),
  fc.record({ kind: fc.constant('feature' as const), pick: fc.nat() }),
);

export type QueryParts = { point: PointE7; limit: number; maxDistance: MaxDistanceChoice; namedOnly: boolean };
export const queryParts: fc.Arbitrary<QueryParts> = fc.record({ point, limit, maxDistance: maxDistanceChoice, namedOnly: fc.boolean() });

/** A query over the stored features; a maximum distance picked as a feature's is that feature's exact distance. */
export function toQuery(parts: QueryParts, stored: readonly FeatureRecord[]): Query {
  const choice = parts.maxDistance;
  const maxDistance =
    choice.kind === 'none' || (choice.kind === 'feature' && stored.length === 0)
      ? Infinity
      : choice.kind === 'metres'
        ? choice.metres
        : haversineMetres(parts.point, stored[choice.pick % stored.length]!);
  return { point: parts.point, limit: parts.limit, maxDistance, namedOnly: parts.namedOnly };
}
