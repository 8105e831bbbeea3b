import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { FeatureRecord } from '../../src/geo/feature.js';
import { FeatureColumns } from '../../src/index/feature-columns.js';
import { FeatureIndex, type Box } from '../../src/index/feature-index.js';
import { CountGrid, countPackedCells, countTreeCells } from '../../src/index/grid-counts.js';
import { openIndexFile, writeIndexFile } from '../../src/index/index-file.js';
import type { PackedTree } from '../../src/index/packed-nearest.js';
import { buildTree, runToEnd } from '../../src/index/packed-tree.js';
import { packFeatures } from '../support/nearest-cases.js';

const MAX_LATITUDE = 900_000_000;
const MAX_LONGITUDE = 1_800_000_000;
const WORLD: Box = { minLatitude: -MAX_LATITUDE, maxLatitude: MAX_LATITUDE, minLongitude: -MAX_LONGITUDE, maxLongitude: MAX_LONGITUDE };

/** The cells by definition, in exact integers (BigInt), one feature at a time. */
function bruteForce(features: readonly FeatureRecord[], box: Box, columns: number, rows: number): number[] {
  const counts = new Array<number>(columns * rows).fill(0);
  const width = BigInt(box.maxLongitude - box.minLongitude + 1);
  const height = BigInt(box.maxLatitude - box.minLatitude + 1);
  for (const { latitude, longitude } of features) {
    if (latitude < box.minLatitude || latitude > box.maxLatitude || longitude < box.minLongitude || longitude > box.maxLongitude) continue;
    const column = Number((BigInt(longitude - box.minLongitude) * BigInt(columns)) / width);
    const row = Number((BigInt(latitude - box.minLatitude) * BigInt(rows)) / height);
    counts[row * columns + column]!++;
  }
  return counts;
}

/** The first longitude of column k: the least x with floor((x - lo) * columns / width) >= k. */
function columnStart(box: Box, columns: number, k: number): number {
  const width = BigInt(box.maxLongitude - box.minLongitude + 1);
  const scaled = BigInt(k) * width;
  return box.minLongitude + Number((scaled + BigInt(columns) - 1n) / BigInt(columns));
}

function rowStart(box: Box, rows: number, k: number): number {
  const height = BigInt(box.maxLatitude - box.minLatitude + 1);
  return box.minLatitude + Number((BigInt(k) * height + BigInt(rows) - 1n) / BigInt(rows));
}

const clampLatitude = (v: number) => Math.max(-MAX_LATITUDE, Math.min(MAX_LATITUDE, v));
const clampLongitude = (v: number) => Math.max(-MAX_LONGITUDE, Math.min(MAX_LONGITUDE, v));

/** A box (small ones too, down to one point), a grid over it, and features: on its cells' edges, on its own edges, just outside it, and at random. */
const scene = fc
  .record({
    latitude: fc.integer({ min: -MAX_LATITUDE, max: MAX_LATITUDE }),
    longitude: fc.integer({ min: -MAX_LONGITUDE, max: MAX_LONGITUDE }),
    height: fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 2 * MAX_LATITUDE })),
    width: fc.oneof(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 2 * MAX_LONGITUDE })),
    columns: fc.oneof(fc.integer({ min: 1, max: 9 }), fc.constantFrom(64, 256, 1024)),
    rows: fc.oneof(fc.integer({ min: 1, max: 9 }), fc.constantFrom(64, 256)),
    seed: fc.integer(),
    random: fc.integer({ min: 0, max: 300 }),
    nodeSize: fc.constantFrom(2, 4, 16),
  })
  .map(({ latitude, longitude, height, width, columns, rows, seed, random, nodeSize }) => {
    const box: Box = {
      minLatitude: latitude,
      maxLatitude: clampLatitude(latitude + height),
      minLongitude: longitude,
      maxLongitude: clampLongitude(longitude + width),
    };
    const points = new Map<string, FeatureRecord>();
    const add = (lat: number, lng: number): void => {
      const point = { name: '', latitude: clampLatitude(lat), longitude: clampLongitude(lng) };
      points.set(`${point.latitude},${point.longitude}`, point);
    };
    // Cell edges: the first point of each column and row, and the last of the one before.
    const edgeLongitudes = [box.minLongitude - 1, box.minLongitude, box.maxLongitude, box.maxLongitude + 1];
    const edgeLatitudes = [box.minLatitude - 1, box.minLatitude, box.maxLatitude, box.maxLatitude + 1];
    for (let k = 1; k < Math.min(columns, 12); k++) edgeLongitudes.push(columnStart(box, columns, k), columnStart(box, columns, k) - 1);
    for (let k = 1; k < Math.min(rows, 12); k++) edgeLatitudes.push(rowStart(box, rows, k), rowStart(box, rows, k) - 1);
    for (const lat of edgeLatitudes) for (const lng of edgeLongitudes) add(lat, lng);
    let state = seed | 0;
    const next = (range: number): number => {
      state = (Math.imul(state, 1103515245) + 12345) | 0;
      return Math.abs(state) % range;
    };
    // At random around the box (a margin outside it), many sharing a few coordinates.
    for (let i = 0; i < random; i++) {
      const lat = box.minLatitude - 2 + next(box.maxLatitude - box.minLatitude + 5);
      const lng = box.minLongitude - 2 + next(box.maxLongitude - box.minLongitude + 5);
      add(lat, lng);
    }
    return { box, columns, rows, nodeSize, features: [...points.values()] };
  });

function packedCounts(tree: PackedTree, count: number, box: Box, columns: number, rows: number): number[] {
  const counts = new Uint32Array(columns * rows);
  countPackedCells(tree, count, new CountGrid(box, columns, rows), counts);
  return [...counts];
}

const dir = mkdtempSync(join(tmpdir(), 'grid-counts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

async function fileIndex(features: readonly FeatureRecord[]): Promise<FeatureIndex> {
  const path = join(dir, `${files++}.index`);
  await writeIndexFile(path, (builder) => {
    for (const f of features) builder.add(f.latitude, f.longitude, f.name);
    return { identity: 'a'.repeat(32), feedPosition: 0, overlapThrough: 0, importToken: '' };
  });
  return new FeatureIndex({ base: openIndexFile(path, { verifyChecksums: false }).features });
}

describe('CountGrid', () => {
  it('puts every point of the box in exactly the cell the definition names, edges included', () => {
    fc.assert(
      fc.property(scene, ({ box, columns, rows, features }) => {
        const grid = new CountGrid(box, columns, rows);
        const expected = bruteForce(features, box, columns, rows);
        const counts = new Array<number>(columns * rows).fill(0);
        for (const f of features) if (grid.contains(f.latitude, f.longitude)) counts[grid.cell(f.latitude, f.longitude)]!++;
        expect(counts).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });

  it('maps the whole world onto a 1024-column grid without a rounding error at any column edge', () => {
    const grid = new CountGrid(WORLD, 1024, 1);
    for (let k = 1; k < 1024; k++) {
      const start = columnStart(WORLD, 1024, k);
      expect(grid.column(start)).toBe(k);
      expect(grid.column(start - 1)).toBe(k - 1);
    }
    expect(grid.column(WORLD.maxLongitude)).toBe(1023);
  });
});

describe('counting cells from the trees', () => {
  it('a packed tree gives the brute-force counts, at any node size', () => {
    fc.assert(
      fc.property(scene, ({ box, columns, rows, nodeSize, features }) => {
        const { tree } = packFeatures(features, nodeSize);
        expect(packedCounts(tree, features.length, box, columns, rows)).toEqual(bruteForce(features, box, columns, rows));
      }),
      { numRuns: 300 },
    );
  });

  it('an STR tree built in slices gives the brute-force counts', () => {
    fc.assert(
      fc.property(scene, ({ box, columns, rows, nodeSize, features }) => {
        const columnsOfFeatures = new FeatureColumns();
        for (const f of features) columnsOfFeatures.push(f.name, f.latitude, f.longitude);
        const root = runToEnd(buildTree(columnsOfFeatures, FeatureColumns.FIRST_ID, features.length, nodeSize));
        const counts = new Uint32Array(columns * rows);
        countTreeCells(root, columnsOfFeatures, new CountGrid(box, columns, rows), counts);
        expect([...counts]).toEqual(bruteForce(features, box, columns, rows));
      }),
      { numRuns: 300 },
    );
  });

  it('the index counts its bulk-loaded, inserted and taken-in features alike, and the total is what within() finds', async () => {
    await fc.assert(
      fc.asyncProperty(scene, fc.integer({ min: 0, max: 100 }), async ({ box, columns, rows, features }, percent) => {
        const cut = Math.floor((features.length * percent) / 100);
        const index = new FeatureIndex();
        index.load(features.slice(0, cut));
        for (const f of features.slice(cut, cut + 5)) index.insert(f);
        await index.takeIn((async function* () {
          yield features.slice(cut + 5);
        })());
        const counts = [...index.countCells(box, columns, rows)];
        expect(counts).toEqual(bruteForce(features, box, columns, rows));
        expect(counts.reduce((sum, n) => sum + n, 0)).toBe([...index.within(box)].length);
      }),
      { numRuns: 150 },
    );
  });

  it('an index file as the base and the features taken in since count as one index', async () => {
    await fc.assert(
      fc.asyncProperty(scene, fc.integer({ min: 0, max: 100 }), async ({ box, columns, rows, features }, percent) => {
        const cut = Math.floor((features.length * percent) / 100);
        const index = await fileIndex(features.slice(0, cut));
        await index.takeIn((async function* () {
          yield features.slice(cut);
        })());
        const counts = [...index.countCells(box, columns, rows)];
        expect(counts).toEqual(bruteForce(features, box, columns, rows));
        expect(counts.reduce((sum, n) => sum + n, 0)).toBe([...index.within(box)].length);
      }),
      { numRuns: 40 },
    );
  });

  it('an empty index counts zero in every cell', async () => {
    expect([...(await fileIndex([])).countCells(WORLD, 3, 2)]).toEqual([0, 0, 0, 0, 0, 0]);
    expect([...new FeatureIndex().countCells(WORLD, 2, 2)]).toEqual([0, 0, 0, 0]);
  });
});

/** 10,000 features in a 100 x 100 lattice over [0, 990] x [0, 990] E7. */
const lattice: FeatureRecord[] = Array.from({ length: 10_000 }, (_, i) => ({ name: '', latitude: Math.floor(i / 100) * 10, longitude: (i % 100) * 10 }));

describe('counting does not visit the features one by one', () => {
  it('a packed tree inside one cell is counted from its root box alone', () => {
    const { tree } = packFeatures(lattice, 16);
    let reads = 0;
    const boxes = new Proxy(tree.boxes, {
      get(target, property) {
        if (typeof property === 'string' && /^\d+$/.test(property)) reads++;
        return Reflect.get(target, property) as unknown;
      },
    });
    expect(packedCounts({ ...tree, boxes }, lattice.length, WORLD, 1, 1)).toEqual([10_000]);
    expect(reads).toBe(4);
    // A 4 x 4 grid over the lattice: only the nodes across the 6 inner edges are opened.
    reads = 0;
    const box = { minLatitude: 0, maxLatitude: 999, minLongitude: 0, maxLongitude: 999 };
    expect(packedCounts({ ...tree, boxes }, lattice.length, box, 4, 4)).toEqual(new Array<number>(16).fill(625));
    expect(reads).toBeLessThan(lattice.length);
  });

  it('a heap tree reads the points of only the leaves that straddle a cell edge', () => {
    const columns = new FeatureColumns();
    for (const f of lattice) columns.push(f.name, f.latitude, f.longitude);
    const root = runToEnd(buildTree(columns, FeatureColumns.FIRST_ID, lattice.length, 16));
    let reads = 0;
    const counted = Object.create(columns) as FeatureColumns;
    counted.latitude = (id: number) => {
      reads++;
      return columns.latitude(id);
    };
    const counts = new Uint32Array(16);
    countTreeCells(root, counted, new CountGrid({ minLatitude: 0, maxLatitude: 999, minLongitude: 0, maxLongitude: 999 }, 4, 4), counts);
    expect([...counts]).toEqual(new Array<number>(16).fill(625));
    expect(reads).toBeGreaterThan(0);
    expect(reads).toBeLessThan(lattice.length / 4);
  });
});
