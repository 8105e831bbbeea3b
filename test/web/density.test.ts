import { createClient, createRouterTransport } from '@connectrpc/connect';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RouteGuideExtensions } from '../../src/gen/es/route_guide_extensions_pb.js';
import { rectangleContains, type E7Rectangle } from '../../web/src/client.js';
import { CELL_PIXELS, densityCells, densityGrid, gridEdge, legendRows, shortCount } from '../../web/src/density.js';
import { project } from '../../web/src/view.js';
import { loadView } from '../../web/src/view-data.js';

const latitude = fc.integer({ min: -900_000_000, max: 900_000_000 });
const longitude = fc.integer({ min: -1_800_000_000, max: 1_800_000_000 });
const rectangle = fc.tuple(latitude, longitude, latitude, longitude).map(([a, b, c, d]) => ({
  lo: { latitude: Math.min(a, c), longitude: Math.min(b, d) },
  hi: { latitude: Math.max(a, c), longitude: Math.max(b, d) },
}));
const zoom = fc.double({ min: 1, max: 20, noNaN: true });

/** CountFeatures' cell of a coordinate, by the server's definition. */
const cellOf = (x: number, lo: number, hi: number, n: number): number => Math.floor(((x - lo) * n) / (hi - lo + 1));

describe("the map's density cells", () => {
  it('asks for a grid CountFeatures accepts, with columns about CELL_PIXELS wide', () => {
    fc.assert(
      fc.property(rectangle, zoom, (r, z) => {
        const { columns, rows } = densityGrid(r, z);
        expect(columns).toBeGreaterThanOrEqual(1);
        expect(rows).toBeGreaterThanOrEqual(1);
        expect(Math.max(columns, rows)).toBeLessThanOrEqual(1024);
        expect(columns * rows).toBeLessThanOrEqual(65536);
      }),
    );
    const world = { lo: { latitude: -900_000_000, longitude: -1_800_000_000 }, hi: { latitude: 900_000_000, longitude: 1_800_000_000 } };
    expect(densityGrid(world, 2).columns).toBe(Math.round(1024 / CELL_PIXELS));
  });

  it('puts each grid edge where CountFeatures starts a new cell (the first coordinate of a cell past k - 1)', () => {
    fc.assert(
      fc.property(longitude, longitude, fc.integer({ min: 1, max: 1024 }), fc.nat(), (a, b, n, pick) => {
        const [lo, hi] = [Math.min(a, b), Math.max(a, b)];
        const k = pick % (n + 1);
        const edge = gridEdge(lo, hi, k, n);
        // Cells narrower than one E7 can be empty, so an edge's coordinate may lie in a later cell.
        if (edge <= hi) expect(cellOf(edge, lo, hi, n)).toBeGreaterThanOrEqual(k);
        if (edge - 1 >= lo) expect(cellOf(edge - 1, lo, hi, n)).toBeLessThan(k);
      }),
      { numRuns: 2000 },
    );
  });

  it('bands the rows without losing or moving a count, each band about CELL_PIXELS tall or more', () => {
    fc.assert(
      fc.property(rectangle, zoom, fc.nat(), (r, z, seed) => {
        const { columns, rows } = densityGrid(r, z);
        const edge = (row: number): number => gridEdge(r.lo.latitude, r.hi.latitude, row, rows);
        // Counts only in rows that can hold a point (a row narrower than one E7 may be empty).
        const counts = Array.from({ length: columns * rows }, (_, i) => (edge(Math.floor(i / columns)) < edge(Math.floor(i / columns) + 1) ? (i * 7919 + seed) % 5 : 0));
        const cells = densityCells(r, { counts, columns, rows }, z);
        expect(cells.total).toBe(counts.reduce((sum, n) => sum + n, 0));
        expect(cells.longitudes).toHaveLength(columns + 1);
        // Each band's column sums are the sums of its rows' cells, in order from the south.
        const bands = cells.latitudes.length - 1;
        expect(cells.latitudes[0]).toBe(r.lo.latitude / 1e7);
        expect(cells.latitudes[bands]).toBe((r.hi.latitude + 1) / 1e7);
        for (let band = 0; band < bands; band++) {
          const expected = new Array<number>(columns).fill(0);
          for (let row = 0; row < rows; row++) {
            const south = edge(row) / 1e7;
            if (south < cells.latitudes[band]! || south >= cells.latitudes[band + 1]!) continue;
            for (let column = 0; column < columns; column++) expected[column]! += counts[row * columns + column]!;
          }
          expect(cells.counts.slice(band * columns, (band + 1) * columns)).toEqual(expected);
          if (bands > 1) {
            const height = project(cells.latitudes[band]!, 0, z).y - project(cells.latitudes[band + 1]!, 0, z).y;
            expect(height).toBeGreaterThanOrEqual(CELL_PIXELS / 2 - 1e-6);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('writes counts in four characters at most, never rounded up', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_000_000_000 }), (count) => {
        const text = shortCount(count);
        expect(text.length).toBeLessThanOrEqual(4);
        const unit = { k: 1e3, M: 1e6, G: 1e9 }[text.at(-1)!] ?? 1;
        expect(Number(unit === 1 ? text : text.slice(0, -1)) * unit).toBeLessThanOrEqual(count);
      }),
    );
    expect([0, 999, 1000, 1999, 12_345, 999_999, 1_250_000].map(shortCount)).toEqual(['0', '999', '1k', '1.9k', '12k', '999k', '1.2M']);
  });

  it('the legend has a class per power of ten up to the fullest cell', () => {
    expect(legendRows(15_000).map((row) => row.label)).toEqual(['1–9', '10–99', '100–999', '1k–9.9k', '10k+']);
    expect(legendRows(3).map((row) => row.label)).toEqual(['1+']);
  });
});

/** CountFeatures and ExportFeatures over a fixed list, as the server answers them; counts the calls. */
function serving(stored: readonly { latitude: number; longitude: number }[]) {
  const calls = { count: 0, export: 0 };
  const inside = (r: E7Rectangle) => stored.filter((point) => rectangleContains(r, point));
  const transport = createRouterTransport(({ service }) => {
    service(RouteGuideExtensions, {
      countFeatures(request) {
        calls.count++;
        const r = { lo: request.rectangle!.lo!, hi: request.rectangle!.hi! };
        const counts = new Array<number>(request.columns * request.rows).fill(0);
        for (const p of inside(r)) {
          counts[cellOf(p.latitude, r.lo.latitude, r.hi.latitude, request.rows) * request.columns + cellOf(p.longitude, r.lo.longitude, r.hi.longitude, request.columns)]!++;
        }
        return { counts, total: BigInt(inside(r).length), columns: request.columns, rows: request.rows };
      },
      async *exportFeatures(request) {
        calls.export++;
        yield { features: inside({ lo: request.rectangle!.lo!, hi: request.rectangle!.hi! }).map((location) => ({ name: '', location })) };
      },
    });
  });
  return { client: createClient(RouteGuideExtensions, transport), calls };
}

describe("the map's view data", () => {
  const stored = Array.from({ length: 500 }, (_, i) => ({ latitude: ((i * 37) % 101) * 1000, longitude: ((i * 53) % 103) * 1000 }));
  const view = { lo: { latitude: 0, longitude: 0 }, hi: { latitude: 100_000, longitude: 102_000 } };

  it('past the cap it answers counts whose cells hold every feature of the view, and loads none', async () => {
    const { client, calls } = serving(stored);
    const data = await loadView(client, view, 12, new AbortController().signal, { mode: 'counts', rectangle: view, total: 0, cells: densityCells(view, { counts: [0], columns: 1, rows: 1 }, 12) }, () => {}, 100);
    expect(data.mode).toBe('counts');
    expect(data.total).toBe(500);
    expect(data.mode === 'counts' && data.cells.total).toBe(500);
    expect(calls.export).toBe(0);
  });

  it('under the cap it answers the features themselves, all of them', async () => {
    const { client } = serving(stored);
    const data = await loadView(client, view, 12, new AbortController().signal, undefined, () => {}, 500);
    expect(data.mode).toBe('points');
    expect(data.mode === 'points' && data.loaded.features.size).toBe(500);
    expect(data.total).toBe(500);
  });
});
