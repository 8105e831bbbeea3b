import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { credentials, Metadata, status, type ServiceError } from '@grpc/grpc-js';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RouteGuideExtensionsClient } from '../../src/gen/grpc-js/route_guide_extensions.js';
import type { NearestFeaturesRequest, NearestFeaturesResponse } from '../../src/gen/messages/route_guide_extensions.js';
import { haversineMetres } from '../../src/geo/distance.js';
import { e7ToDegrees } from '../../src/geo/e7.js';
import { plural } from '../../src/cli/plural.js';
import type { FeatureRecord } from '../../src/geo/feature.js';
import { FeatureIndex } from '../../src/index/feature-index.js';
import { createRandom } from '../../src/feature-files/synthetic-features.js';
import { ensureBuilt, runCli } from '../support/cli.js';
import { bruteForce, features, key, point, queryParts, toQuery as toAnyQuery, type Found, type Query, type QueryParts } from '../support/nearest-cases.js';
import { startTestServer, temporaryDirectory, type TestServer } from '../support/servers.js';

function fromIndex(index: FeatureIndex, query: Query): Found[] {
  return index.nearest(query.point, { limit: query.limit, maxDistanceMetres: query.maxDistance, namedOnly: query.namedOnly }, (name, latitude, longitude, distance) => ({
    name,
    latitude,
    longitude,
    distance,
  }));
}

function fromResponse(response: NearestFeaturesResponse): Found[] {
  return response.features.map(({ feature, distanceMeters }) => ({
    name: feature!.name,
    latitude: feature!.location!.latitude,
    longitude: feature!.location!.longitude,
    distance: distanceMeters,
  }));
}

/** A query as the wire carries it: a maximum distance of 0 means no limit. */
function toQuery(parts: QueryParts, stored: readonly FeatureRecord[]): Query {
  const query = toAnyQuery(parts, stored);
  return query.maxDistance === 0 ? { ...query, maxDistance: Infinity } : query;
}

describe('FeatureIndex.nearest', () => {
  it('equals a brute-force sort by (distance, latitude, longitude) on random data near the antimeridian and the poles', () => {
    fc.assert(
      fc.property(features(600), fc.nat(), fc.array(queryParts, { minLength: 1, maxLength: 8 }), (stored, split, queries) => {
        // Part bulk-loaded, part inserted: both ways of building the tree.
        const index = new FeatureIndex();
        const loaded = stored.length === 0 ? 0 : split % (stored.length + 1);
        index.load(stored.slice(0, loaded));
        for (const feature of stored.slice(loaded)) index.insert(feature);
        for (const parts of queries) {
          const query = toQuery(parts, stored);
          expect(fromIndex(index, query)).toEqual(bruteForce(stored, query));
        }
      }),
      { numRuns: 400 },
    );
  }, 60_000);

  it('orders features at exactly the same distance by latitude, then longitude, and includes those exactly at the maximum distance', () => {
    const index = new FeatureIndex();
    // Mirrored about the equator and about the query's meridian: pairs at exactly equal distances.
    const stored: FeatureRecord[] = [
      { name: 'north', latitude: 10_000_000, longitude: 1_795_000_000 },
      { name: 'south', latitude: -10_000_000, longitude: 1_795_000_000 },
      { name: 'north-east', latitude: 20_000_000, longitude: -1_795_000_000 },
      { name: 'south-east', latitude: -20_000_000, longitude: -1_795_000_000 },
      { name: '', latitude: 0, longitude: 1_700_000_000 },
    ];
    index.load(stored);
    const from = { latitude: 0, longitude: 1_795_000_000 };
    const atNorth = haversineMetres(from, stored[0]!);
    expect(haversineMetres(from, stored[1]!)).toBe(atNorth);
    const query = { point: from, limit: 10, maxDistance: atNorth, namedOnly: false };
    expect(fromIndex(index, query).map((f) => f.name)).toEqual(['south', 'north']);
    expect(fromIndex(index, { ...query, maxDistance: Infinity }).map((f) => f.name)).toEqual(bruteForce(stored, { ...query, maxDistance: Infinity }).map((f) => f.name));
    expect(fromIndex(index, { ...query, maxDistance: Math.max(0, atNorth - 1e-6) })).toEqual([]);
  });

  it('with a maximum distance of 0 finds only a feature at exactly the point', () => {
    const index = new FeatureIndex();
    index.load([
      { name: 'here', latitude: 100, longitude: -200 },
      { name: 'a step away', latitude: 101, longitude: -200 },
    ]);
    const found = fromIndex(index, { point: { latitude: 100, longitude: -200 }, limit: 10, maxDistance: 0, namedOnly: false });
    expect(found).toEqual([{ name: 'here', latitude: 100, longitude: -200, distance: 0 }]);
  });

  it('finds features across the antimeridian: a point at longitude 179.9 finds one at -179.9 first', () => {
    const index = new FeatureIndex();
    index.load([
      { name: 'east of the line', latitude: 0, longitude: -1_799_000_000 },
      { name: 'far west', latitude: 0, longitude: 1_780_000_000 },
    ]);
    const found = fromIndex(index, { point: { latitude: 0, longitude: 1_799_000_000 }, limit: 1, maxDistance: Infinity, namedOnly: false });
    expect(found.map((f) => f.name)).toEqual(['east of the line']);
    expect(found[0]!.distance).toBeCloseTo(22_239, 0);
  });

  it('finds the features across a pole first from near it', () => {
    const index = new FeatureIndex();
    index.load([
      { name: 'across the pole', latitude: 899_000_000, longitude: -1_790_000_000 },
      { name: 'same meridian, further', latitude: 895_000_000, longitude: 10_000_000 },
    ]);
    const found = fromIndex(index, { point: { latitude: 899_000_000, longitude: 10_000_000 }, limit: 2, maxDistance: Infinity, namedOnly: false });
    expect(found.map((f) => f.name)).toEqual(['across the pole', 'same meridian, further']);
  });
});

function nearest(client: RouteGuideExtensionsClient, request: NearestFeaturesRequest): Promise<NearestFeaturesResponse> {
  return new Promise((resolve, reject) => client.nearestFeatures(request, new Metadata(), (error, response) => (error ? reject(error) : resolve(response!))));
}

function request(query: Query): NearestFeaturesRequest {
  return {
    point: query.point,
    limit: query.limit,
    // The wire says "no limit" with 0.
    maxDistanceMeters: query.maxDistance === Infinity ? 0 : query.maxDistance,
    namedOnly: query.namedOnly,
  };
}

/** Writes features as a seed file (the route_guide_db.json shape) and starts a server on it. */
async function serve(directory: string, name: string, stored: readonly FeatureRecord[]): Promise<{ server: TestServer; client: RouteGuideExtensionsClient }> {
  const seedFile = join(directory, `${name}.json`);
  writeFileSync(seedFile, JSON.stringify(stored.map((f) => ({ location: { latitude: f.latitude, longitude: f.longitude }, name: f.name }))));
  const server = await startTestServer({ seedFile });
  return { server, client: new RouteGuideExtensionsClient(server.target, credentials.createInsecure()) };
}

/** Deterministic features: uniform, clustered at the antimeridian and at both poles, and on a grid; a fifth unnamed. */
function mixedFeatures(count: number, seed: number): FeatureRecord[] {
  const random = createRandom(seed);
  // `|| 0`: never -0, which the wire cannot carry.
  const between = (min: number, max: number) => Math.round(min + random() * (max - min)) || 0;
  const byPoint = new Map<string, FeatureRecord>();
  for (let attempt = 0; byPoint.size < count; attempt++) {
    // Kinds by attempt, not by size: the grid runs out of new points long before the others.
    const kind = attempt % 5;
    const latitude =
      kind === 1 ? between(-10_000_000, 10_000_000) : kind === 2 ? between(890_000_000, 900_000_000) : kind === 3 ? between(-900_000_000, -890_000_000) : kind === 4 ? between(-6, 6) * 150_000_000 || 0 : between(-900_000_000, 900_000_000);
    const longitude =
      kind === 1 ? (random() < 0.5 ? between(1_790_000_000, 1_800_000_000) : between(-1_800_000_000, -1_790_000_000)) : kind === 4 ? between(-12, 12) * 150_000_000 || 0 : between(-1_800_000_000, 1_800_000_000);
    const feature = { name: random() < 0.2 ? '' : `feature ${byPoint.size}`, latitude, longitude };
    byPoint.set(key(feature), feature);
  }
  return [...byPoint.values()];
}

describe('NearestFeatures over a real connection', () => {
  const directory = temporaryDirectory();
  const stored = mixedFeatures(5_000, 11);
  let served: { server: TestServer; client: RouteGuideExtensionsClient };
  beforeAll(async () => {
    served = await serve(directory.path, 'mixed', stored);
  }, 60_000);
  afterAll(async () => {
    served?.client.close();
    await served?.server.stop();
    directory.remove();
  });

  it('answers as a brute-force scan for random points, limits, named_only and maximum distances', async () => {
    await fc.assert(
      fc.asyncProperty(queryParts, async (parts) => {
        const query = toQuery(parts, stored);
        expect(fromResponse(await nearest(served.client, request(query)))).toEqual(bruteForce(stored, query));
      }),
      { numRuns: 300 },
    );
  }, 120_000);

  it('answers as a brute-force scan on random small data sets, each on its own server', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(features(300), fc.array(queryParts, { minLength: 1, maxLength: 5 }), async (small, queries) => {
        const own = await serve(directory.path, `small-${run++}`, small);
        try {
          for (const parts of queries) {
            const query = toQuery(parts, small);
            expect(fromResponse(await nearest(own.client, request(query)))).toEqual(bruteForce(small, query));
          }
        } finally {
          own.client.close();
          await own.server.stop();
        }
      }),
      { numRuns: 15 },
    );
  }, 120_000);

  it('limit 0 means 10, and max_distance_meters 0 means no limit', async () => {
    const from = { latitude: 0, longitude: 1_799_000_000 };
    const response = await nearest(served.client, { point: from, limit: 0, maxDistanceMeters: 0, namedOnly: false });
    expect(fromResponse(response)).toEqual(bruteForce(stored, { point: from, limit: 10, maxDistance: Infinity, namedOnly: false }));
    expect(response.features).toHaveLength(10);
  });

  it('a point at longitude 179.9 finds features at -179.9', async () => {
    const response = await nearest(served.client, { point: { latitude: 0, longitude: 1_799_000_000 }, limit: 50, maxDistanceMeters: 0, namedOnly: false });
    expect(response.features.some((f) => f.feature!.location!.longitude < -1_790_000_000)).toBe(true);
    expect(response.features.some((f) => f.feature!.location!.longitude > 1_790_000_000)).toBe(true);
  });

  describe('routeguide client nearest', () => {
    beforeAll(() => ensureBuilt(), 120_000);

    it('prints one JSON object per feature with its distance, in the server\'s order, with --limit', async () => {
      const result = await runCli(['client', 'nearest', '0', '179.9', '--limit', '5', '--json', '--target', served.server.target]);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      const expected = bruteForce(stored, { point: { latitude: 0, longitude: 1_799_000_000 }, limit: 5, maxDistance: Infinity, namedOnly: false });
      expect(result.stdout.trim().split('\n').map((line) => JSON.parse(line) as unknown)).toEqual(
        expected.map((f) => ({ name: f.name, location: { latitude: f.latitude, longitude: f.longitude }, distanceMeters: f.distance })),
      );
    });

    it('prints readable lines in degrees and a count, honouring --named-only and --max-distance', async () => {
      const from = { latitude: 895_000_000, longitude: -1_795_000_000 };
      const everything = bruteForce(stored, { point: from, limit: 1000, maxDistance: Infinity, namedOnly: true });
      const maxDistance = everything[3]!.distance;
      const result = await runCli(['client', 'nearest', '89.5', '-179.5', '--named-only', '--max-distance', String(maxDistance), '--target', served.server.target]);
      expect(result.stderr).toBe('');
      const lines = result.stdout.trim().split('\n');
      expect(lines).toHaveLength(5);
      const first = everything[0]!;
      expect(lines[0]).toBe(`Feature "${first.name}" at ${e7ToDegrees(first.latitude)}, ${e7ToDegrees(first.longitude)}, ${plural(Math.round(first.distance), 'metre')} away`);
      expect(lines.slice(0, 4).map((line) => /^Feature "(.*)" at /.exec(line)?.[1])).toEqual(everything.slice(0, 4).map((f) => f.name));
      expect(lines[4]).toBe('4 features');
    });

    const mistakes: [string[], string][] = [
      [['95', '0'], 'routeguide client nearest: latitude 95 is out of range; must be between -90 and 90'],
      [['0', '180.5'], 'routeguide client nearest: longitude 180.5 is out of range; must be between -180 and 180'],
      [['0', '0', '--limit', '1001'], 'routeguide client nearest: invalid --limit="1001": must be an integer between 1 and 1000'],
      [['0', '0', '--max-distance', '-5'], 'routeguide client nearest: invalid --max-distance="-5": must be a number of metres greater than 0 (leave it out for no limit)'],
    ];
    for (const [args, message] of mistakes) {
      it(`refuses ${args.join(' ')} before any call: usage, exit 2`, async () => {
        // No server there: a call made would fail with UNAVAILABLE and exit 1.
        const result = await runCli(['client', 'nearest', ...args, '--target', '127.0.0.1:1']);
        expect(result.code).toBe(2);
        expect(result.stderr.trim()).toBe(message);
      });
    }
  });

  const invalid: [string, Partial<NearestFeaturesRequest>, RegExp][] = [
    ['a missing point', { point: undefined }, /^point: is required/],
    ['a latitude out of range', { point: { latitude: 900_000_001, longitude: 0 } }, /^point\.latitude: /],
    ['a longitude out of range', { point: { latitude: 0, longitude: -1_800_000_001 } }, /^point\.longitude: /],
    ['a limit over 1000', { limit: 1001 }, /^limit: 1001 is out of range/],
    ['a negative max_distance_meters', { maxDistanceMeters: -1 }, /^maxDistanceMeters: -1 is not allowed/],
    ['a NaN max_distance_meters', { maxDistanceMeters: Number.NaN }, /^maxDistanceMeters: .*\bNaN\b/],
    ['an infinite max_distance_meters', { maxDistanceMeters: Number.POSITIVE_INFINITY }, /^maxDistanceMeters: .*[^-]Infinity\b/],
    ['a negative infinite max_distance_meters', { maxDistanceMeters: Number.NEGATIVE_INFINITY }, /^maxDistanceMeters: .*-Infinity\b/],
  ];
  for (const [what, change, details] of invalid) {
    it(`answers INVALID_ARGUMENT for ${what}, naming the field`, async () => {
      const error = (await nearest(served.client, { point: { latitude: 0, longitude: 0 }, limit: 5, maxDistanceMeters: 0, namedOnly: false, ...change }).then(
        () => undefined,
        (caught: unknown) => caught,
      )) as ServiceError | undefined;
      expect(error?.code).toBe(status.INVALID_ARGUMENT);
      expect(error?.details).toMatch(details);
    });
  }
});
