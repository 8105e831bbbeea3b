import { status } from '@grpc/grpc-js';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRouteGuideClient } from '../../src/client/client.js';
import { Point, Rectangle, RouteNote } from '../../src/gen/messages/route_guide.js';
import { FeatureIndex } from '../../src/index/feature-index.js';
import { createSilentLogger } from '../../src/observability/logger.js';
import { createRouteGuide } from '../../src/service/route-guide.js';
import { listenGrpc, type ListeningServer } from '../../src/grpc/server.js';
import { createMemoryStorage } from '../../src/storage/memory.js';
import type { FeatureRecord } from '../../src/storage/storage.js';
import { RawClient } from '../support/raw-client.js';
import { referenceDistance } from '../support/reference.js';
import { collect } from '../support/servers.js';

async function serve(features: FeatureRecord[]): Promise<ListeningServer> {
  const index = new FeatureIndex();
  index.load(features);
  return listenGrpc({
    guide: createRouteGuide({ index, storage: createMemoryStorage(), replayLimit: 50 }),
    log: createSilentLogger(),
    host: '127.0.0.1',
    port: 0,
  });
}

const latitude = fc.integer({ min: -900000000, max: 900000000 });
const longitude = fc.integer({ min: -1800000000, max: 1800000000 });
const anyPoint = fc.record({ latitude, longitude });
/** Coarse grid values, so that corners often coincide with features. */
const gridPoint = fc.record({
  latitude: fc.integer({ min: -9, max: 9 }).map((v) => v * 100000000),
  longitude: fc.integer({ min: -18, max: 18 }).map((v) => v * 100000000),
});
const key = (p: { latitude: number; longitude: number }) => `${p.latitude},${p.longitude}`;

describe('properties over real connections', () => {
  it('ListFeatures equals a brute-force scan for random features and rectangles, edges included', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(fc.record({ latitude: fc.oneof(latitude, gridPoint.map((p) => p.latitude)), longitude: fc.oneof(longitude, gridPoint.map((p) => p.longitude)), name: fc.string({ maxLength: 8 }) }), {
          selector: key,
          maxLength: 300,
        }),
        fc.array(fc.tuple(fc.oneof(anyPoint, gridPoint), fc.oneof(anyPoint, gridPoint)), { minLength: 1, maxLength: 5 }),
        async (features, rectangles) => {
          const server = await serve(features);
          const client = createRouteGuideClient(`127.0.0.1:${server.port}`);
          try {
            for (const [lo, hi] of rectangles) {
              const got = (await collect(client.listFeatures({ lo, hi }))).map((f) => `${key(f.location!)}|${f.name}`).sort();
              const expected = features
                .filter(
                  (f) =>
                    f.latitude >= Math.min(lo.latitude, hi.latitude) &&
                    f.latitude <= Math.max(lo.latitude, hi.latitude) &&
                    f.longitude >= Math.min(lo.longitude, hi.longitude) &&
                    f.longitude <= Math.max(lo.longitude, hi.longitude),
                )
                .map((f) => `${key(f)}|${f.name}`)
                .sort();
              expect(got).toEqual(expected);
            }
          } finally {
            client.close();
            await server.shutdown(100);
          }
        },
      ),
      { numRuns: 30 },
    );
  }, 120_000);

  describe('on one server', () => {
    let server: ListeningServer;
    const stored: FeatureRecord[] = Array.from({ length: 50 }, (_, i) => ({ latitude: i * 10000000, longitude: -i * 10000000, name: `f${i}` }));
    beforeAll(async () => {
      server = await serve(stored);
    });
    afterAll(async () => {
      await server.shutdown(100);
    });

    it('RecordRoute distance equals a reference haversine computation for random routes', async () => {
      const client = createRouteGuideClient(`127.0.0.1:${server.port}`);
      try {
        await fc.assert(
          fc.asyncProperty(fc.array(fc.oneof(anyPoint, fc.constantFrom(...stored.map(({ latitude, longitude }) => ({ latitude, longitude })))), { maxLength: 60 }), async (route) => {
            const summary = await client.recordRoute(route);
            expect(summary.pointCount).toBe(route.length);
            expect(summary.distance).toBe(referenceDistance(route));
            expect(summary.featureCount).toBe(route.filter((p) => stored.some((f) => key(f) === key(p))).length);
          }),
          { numRuns: 150 },
        );
      } finally {
        client.close();
      }
    }, 120_000);

    it('random bytes into every RPC never crash the server: only OK or INVALID_ARGUMENT', async () => {
      const raw = new RawClient(`127.0.0.1:${server.port}`);
      const allowed = [status.OK, status.INVALID_ARGUMENT];
      const bytes = fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b));
      try {
        await fc.assert(
          fc.asyncProperty(bytes, fc.array(bytes, { maxLength: 4 }), async (one, many) => {
            const outcomes = await Promise.all([
              raw.unary('/routeguide.RouteGuide/GetFeature', one),
              raw.serverStream('/routeguide.RouteGuide/ListFeatures', one),
              raw.clientStream('/routeguide.RouteGuide/RecordRoute', many),
              raw.bidiStream('/routeguide.RouteGuide/RouteChat', many),
            ]);
            for (const outcome of outcomes) {
              expect(allowed).toContain(outcome.code);
              expect(outcome.details).not.toMatch(/Error|at .*\.js|deserializ/);
            }
          }),
          { numRuns: 200 },
        );
        expect((await raw.unary('/routeguide.RouteGuide/GetFeature', Buffer.from(Point.encode(stored[1]!).finish()))).code).toBe(status.OK);
      } finally {
        raw.close();
      }
    }, 120_000);

    it('random field values into every RPC get OK or INVALID_ARGUMENT, never anything else', async () => {
      const raw = new RawClient(`127.0.0.1:${server.port}`);
      const int32 = fc.integer({ min: -2147483648, max: 2147483647 });
      const wild = fc.record({ latitude: int32, longitude: int32 });
      const maybe = fc.option(wild, { nil: undefined });
      const text = fc.string({ unit: 'grapheme', maxLength: 600 });
      try {
        await fc.assert(
          fc.asyncProperty(wild, maybe, maybe, fc.array(wild, { maxLength: 5 }), fc.array(fc.record({ location: maybe, message: text }), { maxLength: 4 }), async (p, lo, hi, route, notes) => {
            const outcomes = await Promise.all([
              raw.unary('/routeguide.RouteGuide/GetFeature', Buffer.from(Point.encode(p).finish())),
              raw.serverStream('/routeguide.RouteGuide/ListFeatures', Buffer.from(Rectangle.encode({ lo, hi }).finish())),
              raw.clientStream('/routeguide.RouteGuide/RecordRoute', route.map((q) => Buffer.from(Point.encode(q).finish()))),
              raw.bidiStream('/routeguide.RouteGuide/RouteChat', notes.map((n) => Buffer.from(RouteNote.encode(n).finish()))),
            ]);
            for (const outcome of outcomes) expect([status.OK, status.INVALID_ARGUMENT]).toContain(outcome.code);
            const inRange = (q: { latitude: number; longitude: number }) => Math.abs(q.latitude) <= 900000000 && Math.abs(q.longitude) <= 1800000000;
            expect(outcomes[0]!.code === status.OK).toBe(inRange(p));
          }),
          { numRuns: 150 },
        );
      } finally {
        raw.close();
      }
    }, 120_000);
  });
});
