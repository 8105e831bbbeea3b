import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { status, type ServiceError } from '@grpc/grpc-js';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CountFeaturesRequest } from '../../src/gen/messages/route_guide_extensions.js';
import type { FeatureRecord } from '../../src/geo/feature.js';
import { createRandom } from '../../src/feature-files/synthetic-features.js';
import { collect, startTestServer, temporaryDirectory, type TestServer } from '../support/servers.js';

interface Rectangle {
  readonly lo: { readonly latitude: number; readonly longitude: number };
  readonly hi: { readonly latitude: number; readonly longitude: number };
}

/** The cells by definition, in exact integers (BigInt), whichever corners lo and hi are. */
function bruteForce(features: readonly FeatureRecord[], { lo, hi }: Rectangle, columns: number, rows: number): number[] {
  const [minLatitude, maxLatitude] = [Math.min(lo.latitude, hi.latitude), Math.max(lo.latitude, hi.latitude)];
  const [minLongitude, maxLongitude] = [Math.min(lo.longitude, hi.longitude), Math.max(lo.longitude, hi.longitude)];
  const counts = new Array<number>(columns * rows).fill(0);
  for (const { latitude, longitude } of features) {
    if (latitude < minLatitude || latitude > maxLatitude || longitude < minLongitude || longitude > maxLongitude) continue;
    const column = Number((BigInt(longitude - minLongitude) * BigInt(columns)) / BigInt(maxLongitude - minLongitude + 1));
    const row = Number((BigInt(latitude - minLatitude) * BigInt(rows)) / BigInt(maxLatitude - minLatitude + 1));
    counts[row * columns + column]!++;
  }
  return counts;
}

/**
 * Features on a lattice of whole degrees (so that rectangles and cell edges fall on them), around
 * them at one E7 either side, and at random over the world.
 */
function features(count: number, seed: number): FeatureRecord[] {
  const random = createRandom(seed);
  const byPoint = new Map<string, FeatureRecord>();
  const add = (latitude: number, longitude: number): void => {
    const feature = { name: byPoint.size % 7 === 0 ? '' : `f${byPoint.size}`, latitude: latitude || 0, longitude: longitude || 0 };
    byPoint.set(`${feature.latitude},${feature.longitude}`, feature);
  };
  while (byPoint.size < count) {
    const latitude = Math.round(random() * 40 - 20) * 10_000_000 + Math.round(random() * 2 - 1);
    const longitude = Math.round(random() * 80 - 40) * 10_000_000 + Math.round(random() * 2 - 1);
    add(latitude, longitude);
    add(Math.round(random() * 1_800_000_000 - 900_000_000), Math.round(random() * 3_600_000_000 - 1_800_000_000));
  }
  return [...byPoint.values()];
}

const corner = fc.record({
  latitude: fc.oneof(fc.integer({ min: -22, max: 22 }).map((v) => v * 10_000_000), fc.integer({ min: -900_000_000, max: 900_000_000 })),
  longitude: fc.oneof(fc.integer({ min: -42, max: 42 }).map((v) => v * 10_000_000), fc.integer({ min: -1_800_000_000, max: 1_800_000_000 })),
});
const side = fc.oneof(fc.integer({ min: 1, max: 12 }), fc.constantFrom(64, 256, 1024));

async function failure(call: Promise<unknown>): Promise<ServiceError> {
  try {
    await call;
  } catch (error) {
    return error as ServiceError;
  }
  throw new Error('the call succeeded');
}

function serveFeatures(directory: string, name: string, stored: readonly FeatureRecord[], storageUrl = 'memory:'): Promise<TestServer> {
  const seedFile = join(directory, `${name}.json`);
  writeFileSync(seedFile, JSON.stringify(stored.map((f) => ({ location: { latitude: f.latitude, longitude: f.longitude }, name: f.name }))));
  return startTestServer({ seedFile, storageUrl });
}

const stored = features(4000, 23);

for (const backend of ['memory', 'sqlite'] as const) {
  describe(`CountFeatures over a real connection (${backend}: ${backend === 'memory' ? 'the heap trees' : 'the packed base of the index file'})`, () => {
    const directory = temporaryDirectory();
    let server: TestServer;
    beforeAll(async () => {
      const storageUrl = backend === 'memory' ? 'memory:' : `sqlite:${join(directory.path, 'counts.db')}`;
      server = await serveFeatures(directory.path, backend, stored, storageUrl);
    }, 60_000);
    afterAll(async () => {
      await server?.stop();
      directory.remove();
    });

    it('answers the brute-force counts for random rectangles and grids, edges included, and a total equal to ListFeatures', async () => {
      await fc.assert(
        fc.asyncProperty(corner, corner, side, side, async (lo, hi, columns, rows) => {
          fc.pre(columns * rows <= 65536);
          const rectangle = { lo, hi };
          const response = await server.client.countFeatures({ rectangle, columns, rows });
          expect(response.counts).toEqual(bruteForce(stored, rectangle, columns, rows));
          expect({ columns: response.columns, rows: response.rows }).toEqual({ columns, rows });
          expect(response.total).toBe((await collect(server.client.listFeatures(rectangle))).length);
        }),
        { numRuns: backend === 'memory' ? 150 : 60 },
      );
    }, 120_000);
  });
}

describe('CountFeatures requests', () => {
  let server: TestServer;
  const directory = temporaryDirectory();
  const world = { lo: { latitude: -900_000_000, longitude: -1_800_000_000 }, hi: { latitude: 900_000_000, longitude: 1_800_000_000 } };
  beforeAll(async () => {
    server = await serveFeatures(directory.path, 'requests', stored);
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
    directory.remove();
  });

  it('counts a grid of 64 x 64 when columns and rows are 0, and the whole world adds up to every feature', async () => {
    const response = await server.client.countFeatures({ rectangle: world });
    expect([response.columns, response.rows, response.counts.length]).toEqual([64, 64, 4096]);
    expect(response.total).toBe(stored.length);
    expect(response.counts.reduce((sum, n) => sum + n, 0)).toBe(stored.length);
  });

  it('a one-point rectangle counts the feature there in its one cell, whatever the grid', async () => {
    const { latitude, longitude } = stored[0]!;
    const point = { latitude, longitude };
    const response = await server.client.countFeatures({ rectangle: { lo: point, hi: point }, columns: 3, rows: 2 });
    expect(response.counts).toEqual([1, 0, 0, 0, 0, 0]);
  });

  it('rows run from the low latitude, columns from the low longitude, whichever corners lo and hi name', async () => {
    const rectangle = { lo: { latitude: 200_000_000, longitude: 400_000_000 }, hi: { latitude: -200_000_000, longitude: -400_000_000 } };
    const swapped = await server.client.countFeatures({ rectangle, columns: 8, rows: 4 });
    const normal = await server.client.countFeatures({ rectangle: { lo: rectangle.hi, hi: rectangle.lo }, columns: 8, rows: 4 });
    expect(swapped.counts).toEqual(normal.counts);
    expect(normal.counts).toEqual(bruteForce(stored, rectangle, 8, 4));
  });

  it('takes 1024 columns by 0 rows (64): exactly the most cells', async () => {
    const response = await server.client.countFeatures({ rectangle: world, columns: 1024, rows: 0 });
    expect([response.columns, response.rows, response.counts.length, response.total]).toEqual([1024, 64, 65536, stored.length]);
  });

  const invalid: [string, Partial<CountFeaturesRequest>, string][] = [
    ['no rectangle', {}, 'rectangle: is required: a CountFeaturesRequest needs a rectangle'],
    ['a corner out of range', { rectangle: { lo: { latitude: 900_000_001, longitude: 0 }, hi: { latitude: 0, longitude: 0 } } }, 'rectangle.lo.latitude: 900000001 is out of range'],
    ['1025 columns', { rectangle: world, columns: 1025 }, 'columns: 1025 is out of range; must be between 1 and 1024 columns (0 means 64)'],
    ['2000 rows', { rectangle: world, rows: 2000 }, 'rows: 2000 is out of range; must be between 1 and 1024 rows (0 means 64)'],
    ['1024 x 128 cells', { rectangle: world, columns: 1024, rows: 128 }, 'request: columns x rows is 1024 x 128 = 131072 cells; must be at most 65536 cells'],
  ];
  for (const [what, request, message] of invalid) {
    it(`answers INVALID_ARGUMENT for ${what}, naming the field`, async () => {
      const error = await failure(server.client.countFeatures({ rectangle: undefined, ...request }));
      expect(error.code).toBe(status.INVALID_ARGUMENT);
      expect(error.details).toContain(message);
    });
  }
});
