import { createClient, createRouterTransport } from '@connectrpc/connect';
import { describe, expect, it } from 'vitest';
import { RouteGuideExtensions } from '../../src/gen/es/route_guide_extensions_pb.js';
import { FeatureSet, pickFeature } from '../../web/src/feature-set.js';
import fc from 'fast-check';
import { rectangleContains, type E7Rectangle } from '../../web/src/client.js';
import { loadFeatures, rectangleDifference } from '../../web/src/load-features.js';

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

/** An in-memory ExportFeatures over a fixed list, answering each rectangle as the server does (edges included). */
function serving(stored: readonly { latitude: number; longitude: number }[]) {
  const asked: E7Rectangle[] = [];
  const transport = createRouterTransport(({ service }) => {
    service(RouteGuideExtensions, {
      async *exportFeatures(request) {
        const piece = request.rectangle!;
        const plain = ({ latitude, longitude }: { latitude: number; longitude: number }) => ({ latitude, longitude });
        asked.push({ lo: plain(piece.lo!), hi: plain(piece.hi!) });
        const inside = stored.filter((point) => rectangleContains({ lo: piece.lo!, hi: piece.hi! }, point));
        yield { features: inside.map((location) => ({ name: `${location.latitude},${location.longitude}`, location })) };
      },
    });
  });
  return { client: createClient(RouteGuideExtensions, transport), asked };
}

function keys(set: FeatureSet): string[] {
  return set.names.slice(0, set.size).sort();
}

const coordinate = fc.integer({ min: -40, max: 40 });
const e7Rectangle = fc.tuple(coordinate, coordinate, coordinate, coordinate).map(([a, b, c, d]) => ({
  lo: { latitude: Math.min(a, c), longitude: Math.min(b, d) },
  hi: { latitude: Math.max(a, c), longitude: Math.max(b, d) },
}));

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

  it('the parts of a new view outside the old one cover it exactly once', () => {
    fc.assert(
      fc.property(e7Rectangle, e7Rectangle, coordinate, coordinate, (next, previous, latitude, longitude) => {
        const point = { latitude, longitude };
        const pieces = rectangleDifference(next, previous);
        const covering = pieces.filter((piece) => rectangleContains(piece, point)).length;
        const expected = rectangleContains(next, point) && !rectangleContains(previous, point) ? 1 : 0;
        expect(covering).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });

  it('after a pan or zoom, keeping what is still in view and loading the rest gives what a full load gives', async () => {
    const stored = Array.from({ length: 400 }, (_, i) => ({ latitude: ((i * 37) % 81) - 40, longitude: ((i * 53) % 81) - 40 }));
    await fc.assert(
      fc.asyncProperty(e7Rectangle, e7Rectangle, async (first, second) => {
        const { client } = serving(stored);
        const before = await loadFeatures(client, first, new AbortController().signal, () => {});
        const after = await loadFeatures(client, second, new AbortController().signal, () => {}, 1000, before);
        const full = await loadFeatures(client, second, new AbortController().signal, () => {});
        expect(after.complete).toBe(true);
        expect(keys(after.features)).toEqual(keys(full.features));
      }),
      { numRuns: 100 },
    );
  });

  it('zooming in to a fully loaded view asks the server for nothing', async () => {
    const { client, asked } = serving([{ latitude: 1, longitude: 1 }, { latitude: 30, longitude: 30 }]);
    const world = { lo: { latitude: -40, longitude: -40 }, hi: { latitude: 40, longitude: 40 } };
    const before = await loadFeatures(client, world, new AbortController().signal, () => {});
    const inner = await loadFeatures(client, { lo: { latitude: 0, longitude: 0 }, hi: { latitude: 10, longitude: 10 } }, new AbortController().signal, () => {}, 1000, before);
    expect(asked).toHaveLength(1);
    expect(keys(inner.features)).toEqual(['1,1']);
  });

  it('a view loaded only up to the cap is loaded again in full, never patched', async () => {
    const { client, asked } = serving([{ latitude: 1, longitude: 1 }, { latitude: 2, longitude: 2 }, { latitude: 3, longitude: 3 }]);
    const world = { lo: { latitude: -40, longitude: -40 }, hi: { latitude: 40, longitude: 40 } };
    const capped = await loadFeatures(client, world, new AbortController().signal, () => {}, 2);
    expect(capped.complete).toBe(false);
    const moved = { lo: { latitude: -39, longitude: -40 }, hi: { latitude: 41, longitude: 40 } };
    const again = await loadFeatures(client, moved, new AbortController().signal, () => {}, 10, capped);
    expect(asked.at(-1)).toEqual(moved);
    expect(keys(again.features)).toEqual(['1,1', '2,2', '3,3']);
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
