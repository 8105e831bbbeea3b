import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticFeatures } from '../../src/feature-files/synthetic-features.js';
import { openStorage } from '../../src/storage/open-storage.js';
import { collect, startTestServer, temporaryDirectory, type TestServer } from '../support/servers.js';

const COUNT = 50_000;
const features = [...syntheticFeatures(COUNT, 21)];
let directory: ReturnType<typeof temporaryDirectory>;
let server: TestServer;

beforeAll(async () => {
  directory = temporaryDirectory('routeguide-scale-');
  const url = `sqlite:${join(directory.path, 'scale.db')}`;
  const storage = await openStorage(url);
  await storage.insertFeatures(features);
  await storage.close();
  server = await startTestServer({ storageUrl: url });
}, 60_000);

afterAll(async () => {
  await server?.stop();
  directory?.remove();
});

describe('a server started on a large seeded SQLite database', () => {
  it('loads every stored feature into its index', () => {
    const distinct = new Set(features.map((feature) => `${feature.latitude},${feature.longitude}`)).size;
    expect(server.running.index.size).toBe(distinct);
  });

  it('answers GetFeature, ListFeatures, RecordRoute and RouteChat', async () => {
    const named = features.find((feature) => feature.name !== '')!;
    const point = { latitude: named.latitude, longitude: named.longitude };
    expect(await server.client.getFeature(point)).toEqual({ name: named.name, location: point });

    const half = 1_000_000;
    const rectangle = {
      lo: { latitude: named.latitude - half, longitude: named.longitude - half },
      hi: { latitude: named.latitude + half, longitude: named.longitude + half },
    };
    const listed = await collect(server.client.listFeatures(rectangle));
    const inside = new Set(
      features
        .filter((f) => Math.abs(f.latitude - named.latitude) <= half && Math.abs(f.longitude - named.longitude) <= half)
        .map((f) => `${f.latitude},${f.longitude}`),
    );
    expect(listed).toHaveLength(inside.size);

    const route = features.slice(0, 100).map((f) => ({ latitude: f.latitude, longitude: f.longitude }));
    const summary = await server.client.recordRoute(route);
    expect(summary.pointCount).toBe(100);
    expect(summary.featureCount).toBe(100);

    const note = { location: point, message: 'hello at scale' };
    expect(await collect(server.client.routeChat([note]))).toEqual([]);
    expect(await collect(server.client.routeChat([note]))).toEqual([note]);
  }, 30_000);
});
