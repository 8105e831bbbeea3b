import { mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { FeatureIndex, type Box } from '../../src/index/feature-index.js';
import { IndexFileRejected, openIndexFile, writeIndexFile, type IndexFileOrigin } from '../../src/index/index-file.js';
import { PAGE_SIZE } from '../../src/index/index-file-format.js';
import { mergeRecentIntoFile } from '../../src/index/index-merge.js';
import { runToEnd } from '../../src/index/packed-tree.js';
import type { FeatureRecord } from '../../src/storage/storage.js';

const dir = mkdtempSync(join(tmpdir(), 'index-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const ORIGIN: IndexFileOrigin = { identity: 'f'.repeat(32), feedPosition: 3, overlapThrough: 5, importToken: 'abc123' };

async function written(features: readonly FeatureRecord[]): Promise<string> {
  const path = join(dir, `${files++}.index`);
  await writeIndexFile(path, (builder) => {
    for (const f of features) builder.add(f.latitude, f.longitude, f.name);
    return ORIGIN;
  });
  return path;
}

async function fileIndex(features: readonly FeatureRecord[]): Promise<FeatureIndex> {
  const opened = openIndexFile(await written(features), { verifyChecksums: true });
  return new FeatureIndex({ base: opened.features });
}

const key = (f: FeatureRecord) => `${f.latitude},${f.longitude}`;
const named = (f: FeatureRecord) => `${f.latitude},${f.longitude},${f.name}`;
const sorted = (features: Iterable<FeatureRecord>) => [...features].map(named).sort();

function bruteForce(features: readonly FeatureRecord[], box: Box): FeatureRecord[] {
  return features.filter(
    (f) => f.latitude >= box.minLatitude && f.latitude <= box.maxLatitude && f.longitude >= box.minLongitude && f.longitude <= box.maxLongitude,
  );
}

const NAMES = ['', 'a', 'Bodø', 'Αθήνα', '東京', 'São Paulo, "SP"', 'line\nbreak', '🗺️ map'];
/** Distinct points on a grid, so that rectangles often land exactly on features' edges. */
const featureSet = fc.uniqueArray(
  fc.record({
    latitude: fc.integer({ min: -50, max: 50 }).map((v) => v * 18_000_000),
    longitude: fc.integer({ min: -50, max: 50 }).map((v) => v * 36_000_000),
    name: fc.constantFrom(...NAMES),
  }),
  { selector: key, maxLength: 600 },
);
const box = fc
  .tuple(fc.integer({ min: -50, max: 50 }), fc.integer({ min: -50, max: 50 }), fc.integer({ min: -50, max: 50 }), fc.integer({ min: -50, max: 50 }))
  .map(([a, b, c, d]) => ({
    minLatitude: Math.min(a, b) * 18_000_000,
    maxLatitude: Math.max(a, b) * 18_000_000,
    minLongitude: Math.min(c, d) * 36_000_000,
    maxLongitude: Math.max(c, d) * 36_000_000,
  }));

function visited(index: FeatureIndex, b: Box): string[] {
  const seen: string[] = [];
  for (const _ of index.visitWithin(b, (names, start, end, latitude, longitude) => {
    seen.push(`${latitude},${longitude},${Buffer.from(names.subarray(start, end)).toString('utf8')}`);
    return seen.length % 7 === 0;
  }));
  return seen.sort();
}

describe('an index file, written, mapped and queried', () => {
  it('answers rectangles, points and walks as a brute-force scan does, names included', async () => {
    await fc.assert(
      fc.asyncProperty(featureSet, fc.array(box, { minLength: 1, maxLength: 8 }), async (features, boxes) => {
        const index = await fileIndex(features);
        expect(index.size).toBe(features.length);
        for (const b of boxes) {
          const expected = sorted(bruteForce(features, b));
          expect(sorted(index.within(b))).toEqual(expected);
          expect(visited(index, b)).toEqual(expected);
        }
        for (const f of features.slice(0, 50)) {
          expect(index.at(f.latitude, f.longitude)).toEqual(f);
          expect(index.has(f.latitude, f.longitude)).toBe(true);
          expect(index.has(f.latitude + 1, f.longitude)).toBe(features.some((g) => g.latitude === f.latitude + 1 && g.longitude === f.longitude));
        }
      }),
      { numRuns: 60 },
    );
  });

  it('answers nearest queries as the heap-built index does', async () => {
    await fc.assert(
      fc.asyncProperty(
        featureSet,
        fc.record({ latitude: fc.integer({ min: -900_000_000, max: 900_000_000 }), longitude: fc.integer({ min: -1_800_000_000, max: 1_800_000_000 }) }),
        fc.integer({ min: 1, max: 30 }),
        fc.boolean(),
        async (features, point, limit, namedOnly) => {
          const heap = new FeatureIndex();
          heap.load(features);
          const fromFile = await fileIndex(features);
          const options = { limit, maxDistanceMetres: Infinity, namedOnly };
          const make = (name: string, latitude: number, longitude: number, d: number) => ({ name, latitude, longitude, d });
          expect(fromFile.nearest(point, options, make)).toEqual(heap.nearest(point, options, make));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('searches the base and the features taken in since as one index', async () => {
    await fc.assert(
      fc.asyncProperty(featureSet, fc.integer({ min: 0, max: 100 }), box, async (features, percent, b) => {
        const cut = Math.floor((features.length * percent) / 100);
        const index = await fileIndex(features.slice(0, cut));
        await index.takeIn((async function* () {
          yield features.slice(cut);
        })());
        expect(index.size).toBe(features.length);
        expect(sorted(index.within(b))).toEqual(sorted(bruteForce(features, b)));
        for (const f of features.slice(0, 30)) expect(index.at(f.latitude, f.longitude)).toEqual(f);
      }),
      { numRuns: 60 },
    );
  });

  it('keeps in the heap only what a new base lacks when the base is replaced', async () => {
    const features = Array.from({ length: 3000 }, (_, i) => ({ name: `f${i}`, latitude: i * 1000, longitude: -i * 1000 }));
    const index = await fileIndex(features.slice(0, 1000));
    await index.takeIn((async function* () {
      yield features.slice(1000, 2000);
    })());
    const newer = openIndexFile(await written(features.slice(0, 1500)), { verifyChecksums: false });
    await index.replaceBase(newer.features);
    expect(index.recentSize).toBe(500);
    expect(index.size).toBe(2000);
    expect(sorted(index.within({ minLatitude: -1e9, maxLatitude: 1e9, minLongitude: -1.8e9, maxLongitude: 1.8e9 }))).toEqual(sorted(features.slice(0, 2000)));
  });

  it('merges the heap part into a new file: the features of the old file plus every one taken in since, names included', async () => {
    const features = Array.from({ length: 2500 }, (_, i) => ({ name: i % 5 === 0 ? '' : `${NAMES[i % NAMES.length]} ${i}`, latitude: i * 700, longitude: 1_000_000 - i * 300 }));
    const path = await written(features.slice(0, 2000));
    const index = new FeatureIndex({ base: openIndexFile(path, { verifyChecksums: true }).features });
    await index.takeIn((async function* () {
      yield features.slice(2000);
    })());
    const recent = runToEnd(index.recentFeatures());
    expect(recent.count).toBe(500);
    const header = await mergeRecentIntoFile(path, recent, ORIGIN);
    expect(header.count).toBe(2500);
    const merged = new FeatureIndex({ base: openIndexFile(path, { verifyChecksums: true }).features });
    expect(sorted(merged.within({ minLatitude: -1e9, maxLatitude: 1e9, minLongitude: -1.8e9, maxLongitude: 1.8e9 }))).toEqual(sorted(features));
  });

  it('holds an empty index', async () => {
    const index = await fileIndex([]);
    expect(index.size).toBe(0);
    expect([...index.within({ minLatitude: -1e9, maxLatitude: 1e9, minLongitude: -1.8e9, maxLongitude: 1.8e9 })]).toEqual([]);
    expect(index.at(0, 0)).toBeUndefined();
    expect(index.nearest({ latitude: 0, longitude: 0 }, { limit: 3, maxDistanceMetres: Infinity, namedOnly: false }, (n) => n)).toEqual([]);
  });

  it('records its origin in the header', async () => {
    const opened = openIndexFile(await written([{ name: 'x', latitude: 1, longitude: 2 }]), { verifyChecksums: true });
    expect(opened.header).toMatchObject({ ...ORIGIN, count: 1 });
  });
});

describe('an index file that cannot be trusted is refused, saying why', () => {
  const features = Array.from({ length: 5000 }, (_, i) => ({ name: `feature ${i}`, latitude: (i % 100) * 10_000, longitude: Math.floor(i / 100) * 10_000 }));

  function refusal(path: string, verifyChecksums = true): string {
    try {
      openIndexFile(path, { verifyChecksums });
    } catch (error) {
      expect(error).toBeInstanceOf(IndexFileRejected);
      return (error as Error).message;
    }
    throw new Error('the file was accepted');
  }

  it('refuses a missing file', () => {
    expect(refusal(join(dir, 'missing.index'))).toBe('it does not exist');
  });

  it('refuses a truncated file', async () => {
    const path = await written(features);
    truncateSync(path, statSync(path).size - 100);
    expect(refusal(path)).toMatch(/^it is truncated/);
    truncateSync(path, 100);
    expect(refusal(path)).toMatch(/^it is truncated/);
  });

  it('refuses another format version, and a file that is not an index', async () => {
    const path = await written(features);
    const bytes = readFileSync(path);
    bytes.writeUInt32LE(99, 8);
    writeFileSync(path, bytes);
    expect(refusal(path)).toBe('it is of format version 99, not 1');
    writeFileSync(path, Buffer.alloc(PAGE_SIZE * 2, 7));
    expect(refusal(path)).toBe('it is not an index file');
  });

  it('refuses a header with a flipped byte', async () => {
    const path = await written(features);
    const bytes = readFileSync(path);
    bytes[20] = bytes[20]! ^ 1;
    writeFileSync(path, bytes);
    expect(refusal(path)).toBe('its header fails its checksum');
  });

  for (const section of ['names', 'offsets', 'tree', 'slots'] as const) {
    it(`refuses one flipped byte in the ${section} section`, async () => {
      const path = await written(features);
      const { header } = openIndexFile(path, { verifyChecksums: true });
      const { offset, length } = header.sections[section];
      const bytes = readFileSync(path);
      const at = offset + Math.floor(length / 2);
      bytes[at] = bytes[at]! ^ 0x10;
      writeFileSync(path, bytes);
      expect(refusal(path)).toBe(`its ${section} section fails its checksum`);
    });
  }
});
