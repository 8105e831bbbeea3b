import { join } from 'node:path';
import { status, type ServiceError } from '@grpc/grpc-js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Point, RouteNote } from '../../src/gen/messages/route_guide.js';
import { canonical, referenceDistance } from '../support/reference.js';
import { collect, startTestServer, temporaryDirectory, type TestServer } from '../support/servers.js';

async function grpcError(promise: Promise<unknown>): Promise<ServiceError> {
  try {
    await promise;
  } catch (error) {
    return error as ServiceError;
  }
  throw new Error('expected the call to fail');
}

const note = (latitude: number, longitude: number, message: string): RouteNote => ({
  location: { latitude, longitude },
  message,
});

describe('RouteGuide over a real gRPC connection (canonical data, memory storage)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
  });
  afterAll(async () => {
    await server.stop();
  });

  describe('GetFeature', () => {
    it('returns the named feature stored at exactly that point', async () => {
      const feature = await server.client.getFeature({ latitude: 409146138, longitude: -746188906 });
      expect(feature).toEqual({
        name: 'Berkshire Valley Management Area Trail, Jefferson, NJ, USA',
        location: { latitude: 409146138, longitude: -746188906 },
      });
    });

    it('answers OK with an empty name and the request point when nothing is stored there', async () => {
      const feature = await server.client.getFeature({ latitude: 1, longitude: -2 });
      expect(feature).toEqual({ name: '', location: { latitude: 1, longitude: -2 } });
    });

    it('returns a stored feature with an empty name at its point', async () => {
      const unnamed = canonical.find((f) => f.name === '')!;
      expect(await server.client.getFeature(unnamed.location)).toEqual({ name: '', location: unnamed.location });
    });

    it('accepts both exact coordinate limits', async () => {
      for (const point of [
        { latitude: 900000000, longitude: 1800000000 },
        { latitude: -900000000, longitude: -1800000000 },
      ]) {
        expect(await server.client.getFeature(point)).toEqual({ name: '', location: point });
      }
    });

    it.each([
      [{ latitude: 900000001, longitude: 0 }, 'latitude: 900000001 is out of range; must be an integer between -900000000 and 900000000'],
      [{ latitude: -900000001, longitude: 0 }, 'latitude: -900000001 is out of range'],
      [{ latitude: 0, longitude: 1800000001 }, 'longitude: 1800000001 is out of range; must be an integer between -1800000000 and 1800000000'],
      [{ latitude: 0, longitude: -1800000001 }, 'longitude: -1800000001 is out of range'],
    ])('rejects %j with INVALID_ARGUMENT naming the field, value and range', async (point, message) => {
      const error = await grpcError(server.client.getFeature(point));
      expect(error.code).toBe(status.INVALID_ARGUMENT);
      expect(error.details).toContain(message);
    });
  });

  describe('ListFeatures', () => {
    const inBox = (lo: Point, hi: Point) =>
      canonical
        .filter(
          (f) =>
            f.location.latitude >= Math.min(lo.latitude, hi.latitude) &&
            f.location.latitude <= Math.max(lo.latitude, hi.latitude) &&
            f.location.longitude >= Math.min(lo.longitude, hi.longitude) &&
            f.location.longitude <= Math.max(lo.longitude, hi.longitude),
        )
        .map((f) => `${f.location.latitude},${f.location.longitude},${f.name}`)
        .sort();
    const listed = async (lo?: Point, hi?: Point) =>
      (await collect(server.client.listFeatures({ lo, hi }))).map(
        (f) => `${f.location!.latitude},${f.location!.longitude},${f.name}`,
      );

    it('streams every feature in the tutorial rectangle, named or not', async () => {
      const lo = { latitude: 400000000, longitude: -750000000 };
      const hi = { latitude: 420000000, longitude: -730000000 };
      const got = (await listed(lo, hi)).sort();
      expect(got).toEqual(inBox(lo, hi));
      expect(got.some((line) => line.endsWith(','))).toBe(true);
    });

    it('normalises a rectangle given with lo and hi swapped', async () => {
      const lo = { latitude: 420000000, longitude: -730000000 };
      const hi = { latitude: 400000000, longitude: -750000000 };
      expect((await listed(lo, hi)).sort()).toEqual(inBox(hi, lo));
    });

    it("includes features on the rectangle's edges", async () => {
      const a = canonical[0]!.location;
      const b = canonical[1]!.location;
      const lo = { latitude: Math.min(a.latitude, b.latitude), longitude: Math.min(a.longitude, b.longitude) };
      const hi = { latitude: Math.max(a.latitude, b.latitude), longitude: Math.max(a.longitude, b.longitude) };
      const got = await listed(lo, hi);
      expect(got).toContain(`${a.latitude},${a.longitude},${canonical[0]!.name}`);
      expect(got).toContain(`${b.latitude},${b.longitude},${canonical[1]!.name}`);
    });

    it('returns the single feature of a degenerate rectangle at its point', async () => {
      const only = canonical[5]!;
      expect(await listed(only.location, only.location)).toEqual([
        `${only.location.latitude},${only.location.longitude},${only.name}`,
      ]);
    });

    it('returns all 100 features for a rectangle covering the whole world', async () => {
      const got = await listed({ latitude: -900000000, longitude: -1800000000 }, { latitude: 900000000, longitude: 1800000000 });
      expect(got).toHaveLength(100);
    });

    it('rejects a rectangle missing lo or hi with INVALID_ARGUMENT', async () => {
      const point = { latitude: 1, longitude: 1 };
      const missingLo = await grpcError(listed(undefined, point));
      expect(missingLo.code).toBe(status.INVALID_ARGUMENT);
      expect(missingLo.details).toContain('lo: is required');
      const missingHi = await grpcError(listed(point, undefined));
      expect(missingHi.details).toContain('hi: is required');
    });

    it('rejects a corner out of range, naming it', async () => {
      const error = await grpcError(listed({ latitude: 0, longitude: 0 }, { latitude: 0, longitude: 1800000001 }));
      expect(error.code).toBe(status.INVALID_ARGUMENT);
      expect(error.details).toContain('hi.longitude: 1800000001 is out of range');
    });
  });

  describe('RecordRoute', () => {
    it('counts points, features (repeats included) and sums the haversine distance', async () => {
      const route = [canonical[0]!.location, canonical[1]!.location, { latitude: 1, longitude: 1 }, canonical[0]!.location];
      const summary = await server.client.recordRoute(route);
      expect(summary.pointCount).toBe(4);
      expect(summary.featureCount).toBe(3);
      expect(summary.distance).toBe(referenceDistance(route));
      expect(summary.elapsedTime).toBe(0);
    });

    it('returns zeros for an empty route', async () => {
      expect(await server.client.recordRoute([])).toEqual({ pointCount: 0, featureCount: 0, distance: 0, elapsedTime: 0 });
    });

    it('saturates the distance at 2147483647 metres instead of failing', async () => {
      const route = Array.from({ length: 120 }, (_, i) => ({ latitude: i % 2 === 0 ? 900000000 : -900000000, longitude: 0 }));
      const summary = await server.client.recordRoute(route);
      expect(summary.distance).toBe(2147483647);
      expect(summary.pointCount).toBe(120);
    });

    it('rejects a route with a bad point with INVALID_ARGUMENT naming its position', async () => {
      const route = [{ latitude: 0, longitude: 0 }, { latitude: 1, longitude: 1 }, { latitude: 900000001, longitude: 0 }];
      const error = await grpcError(server.client.recordRoute(route));
      expect(error.code).toBe(status.INVALID_ARGUMENT);
      expect(error.details).toContain('point[2].latitude: 900000001 is out of range');
    });
  });

  describe('RouteChat', () => {
    it('replays the notes stored earlier at exactly the same location, oldest first, never the new one itself', async () => {
      const received = await collect(
        server.client.routeChat([
          note(10, 10, 'one'),
          note(10, 11, 'elsewhere'),
          note(10, 10, 'two'),
          note(10, 10, 'three'),
        ]),
      );
      expect(received).toEqual([note(10, 10, 'one'), note(10, 10, 'one'), note(10, 10, 'two')]);
    });

    it('shares notes between two separate calls from separate clients', async () => {
      await collect(server.client.routeChat([note(20, 20, 'from A'), note(20, 20, '')]));
      const other = (await import('../../src/client/client.js')).createRouteGuideClient(server.target);
      try {
        const received = await collect(other.routeChat([note(20, 20, 'from B')]));
        expect(received).toEqual([note(20, 20, 'from A'), note(20, 20, '')]);
      } finally {
        other.close();
      }
    });

    it('accepts a message of exactly 1024 UTF-8 bytes and rejects 1025', async () => {
      await collect(server.client.routeChat([note(30, 30, 'x'.repeat(1024))]));
      const error = await grpcError(collect(server.client.routeChat([note(30, 30, '€'.repeat(342))])));
      expect(error.code).toBe(status.INVALID_ARGUMENT);
      expect(error.details).toContain('note[0].message: is 1026 UTF-8 bytes long; must be at most 1024 bytes');
    });

    it('rejects a note without a location, keeping the notes stored before it', async () => {
      const error = await grpcError(
        collect(server.client.routeChat([note(40, 40, 'kept 1'), note(40, 40, 'kept 2'), { location: undefined, message: 'nowhere' }])),
      );
      expect(error.code).toBe(status.INVALID_ARGUMENT);
      expect(error.details).toContain('note[2].location: is required');
      const replay = await collect(server.client.routeChat([note(40, 40, 'later')]));
      expect(replay.map((n) => n.message)).toEqual(['kept 1', 'kept 2']);
    });

    it('rejects a note at an out-of-range location', async () => {
      const error = await grpcError(collect(server.client.routeChat([note(0, -1800000001, 'far')])));
      expect(error.code).toBe(status.INVALID_ARGUMENT);
      expect(error.details).toContain('note[0].location.longitude: -1800000001 is out of range');
    });
  });

  it('keeps serving every RPC after bad input', async () => {
    await grpcError(server.client.getFeature({ latitude: 2000000000, longitude: 0 }));
    await grpcError(collect(server.client.listFeatures({ lo: undefined, hi: undefined })));
    await grpcError(server.client.recordRoute([{ latitude: -2000000000, longitude: 0 }]));
    await grpcError(collect(server.client.routeChat([{ location: undefined, message: 'x' }])));
    expect((await server.client.getFeature(canonical[0]!.location)).name).toBe(canonical[0]!.name);
    expect(await collect(server.client.listFeatures({ lo: canonical[0]!.location, hi: canonical[0]!.location }))).toHaveLength(1);
    expect((await server.client.recordRoute([canonical[0]!.location])).featureCount).toBe(1);
    expect(await collect(server.client.routeChat([note(50, 50, 'fine')]))).toEqual([]);
  });
});

describe('RouteChat replay cap', () => {
  let server: TestServer;
  afterEach(async () => {
    await server.stop();
  });

  it('replays only the most recent K notes at a location', async () => {
    server = await startTestServer({ replayLimit: 3, empty: true });
    await collect(server.client.routeChat(['a', 'b', 'c', 'd', 'e'].map((m) => note(1, 1, m))));
    const received = await collect(server.client.routeChat([note(1, 1, 'f')]));
    expect(received.map((n) => n.message)).toEqual(['c', 'd', 'e']);
  });
});

describe('RouteGuide on SQLite across a restart', () => {
  const directory = temporaryDirectory();
  afterAll(() => directory.remove());

  it('keeps notes and features after the server restarts on the same file', async () => {
    const storageUrl = `sqlite:${join(directory.path, 'rg.db')}`;
    const first = await startTestServer({ storageUrl });
    await collect(first.client.routeChat([note(7, 7, 'before restart'), note(7, 7, 'second')]));
    await first.stop();

    const second = await startTestServer({ storageUrl });
    try {
      expect(second.running.index.size).toBe(100);
      const replay = await collect(second.client.routeChat([note(7, 7, 'after restart')]));
      expect(replay.map((n) => n.message)).toEqual(['before restart', 'second']);
      expect((await second.client.getFeature(canonical[0]!.location)).name).toBe(canonical[0]!.name);
    } finally {
      await second.stop();
    }
  });

  it('does not seed the canonical data with --empty', async () => {
    const server = await startTestServer({ storageUrl: `sqlite:${join(directory.path, 'empty.db')}`, empty: true });
    try {
      expect(server.running.index.size).toBe(0);
      expect(await server.client.getFeature(canonical[0]!.location)).toEqual({ name: '', location: canonical[0]!.location });
    } finally {
      await server.stop();
    }
  });
});
