import { createClient, createRouterTransport } from '@connectrpc/connect';
import { describe, expect, it } from 'vitest';
import { RouteGuideExtensions } from '../src/gen/es/route_guide_extensions_pb.js';
import { FeatureSet, pickFeature } from '../web/src/feature-set.js';
import { loadFeatures } from '../web/src/load-features.js';

/** An in-memory Connect transport whose ExportFeatures streams `total` features in batches of 100, counting what it sent. */
function exporting(total: number) {
  const sent = { features: 0, cancelled: false };
  const transport = createRouterTransport(({ service }) => {
    service(RouteGuideExtensions, {
      async *exportFeatures(_request, context) {
        context.signal.addEventListener('abort', () => (sent.cancelled = true));
        for (let start = 0; start < total; start += 100) {
          const features = [];
          for (let i = start; i < Math.min(total, start + 100); i++) features.push({ name: `f${i}`, location: { latitude: i, longitude: -i } });
          sent.features += features.length;
          yield { features };
        }
      },
    });
  });
  return { client: createClient(RouteGuideExtensions, transport), sent };
}

const rectangle = { lo: { latitude: 0, longitude: -1e9 }, hi: { latitude: 1e9, longitude: 0 } };

describe("the map's feature loading", () => {
  it('loads every feature of the view when there are no more than the cap', async () => {
    const { client } = exporting(250);
    const loaded = await loadFeatures(client, rectangle, new AbortController().signal, () => {}, 250);
    expect(loaded.complete).toBe(true);
    expect(loaded.features.size).toBe(250);
    expect(loaded.features.names[249]).toBe('f249');
    expect(loaded.features.latitudes[249]).toBe(249 / 1e7);
    expect(loaded.features.longitudes[249]).toBe(-249 / 1e7);
  });

  it('stops loading past the cap, keeps the cap, and says the view has more', async () => {
    const { client, sent } = exporting(100_000);
    const loaded = await loadFeatures(client, rectangle, new AbortController().signal, () => {}, 250);
    expect(loaded.complete).toBe(false);
    expect(loaded.features.size).toBe(250);
    expect(sent.features).toBeLessThan(100_000);
  });

  it('reports progress after each batch', async () => {
    const { client } = exporting(300);
    const sizes: number[] = [];
    await loadFeatures(client, rectangle, new AbortController().signal, (features) => sizes.push(features.size));
    expect(sizes).toEqual([100, 200, 300]);
  });

  it('rejects when its signal aborts', async () => {
    const { client } = exporting(100_000);
    const controller = new AbortController();
    const loading = loadFeatures(client, rectangle, controller.signal, () => controller.abort());
    await expect(loading).rejects.toThrow();
  });

  it('a click picks the nearest feature within the radius, or none', () => {
    const features = new FeatureSet(1);
    for (let i = 0; i < 3; i++) features.add(i * 10_000_000, 0, `f${i}`);
    const toScreen = (latitude: number) => ({ x: latitude * 10, y: 0 });
    expect(pickFeature(features, toScreen, 12, 3, 4)).toBe(1);
    expect(pickFeature(features, toScreen, 16, 0, 8)).toBe(2);
    expect(pickFeature(features, toScreen, 5, 0, 4)).toBe(-1);
  });
});
