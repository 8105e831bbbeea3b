import { copyFileSync, readFileSync, statSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildIndexFile, updateIndexFile } from '../../src/app/index-file-builds.js';
import { openIndex } from '../../src/app/open-index.js';
import type { FeatureIndex } from '../../src/index/feature-index.js';
import { openIndexFile } from '../../src/index/index-file.js';
import { openStorage } from '../../src/storage/open-storage.js';
import type { FeatureRecord, Storage } from '../../src/storage/storage.js';
import { captureLog } from '../support/captured-log.js';
import { temporaryDirectory } from '../support/servers.js';

const directory = temporaryDirectory();
afterAll(() => directory.remove());
let databases = 0;

const WORLD = { minLatitude: -900_000_000, maxLatitude: 900_000_000, minLongitude: -1_800_000_000, maxLongitude: 1_800_000_000 };
const features = (from: number, count: number, prefix = 'f'): FeatureRecord[] =>
  Array.from({ length: count }, (_, i) => ({ name: `${prefix}${from + i}`, latitude: (from + i) * 1_000, longitude: -(from + i) * 2_000 }));

/** A SQLite database holding `count` features in one import, with a current index file beside it. */
async function seeded(count: number): Promise<{ path: string; indexPath: string; storage: Storage }> {
  const path = join(directory.path, `db-${databases++}.db`);
  const storage = await openStorage(`sqlite:${path}`);
  await storage.insertFeatures(features(0, count));
  await updateIndexFile(storage, `${path}.index`);
  return { path, indexPath: `${path}.index`, storage };
}

async function opened(storage: Storage, indexPath: string) {
  const captured = captureLog();
  const result = await openIndex(storage, { path: indexPath, verifyChecksums: true, log: captured.log });
  const warnings = captured.lines.filter((line) => line.level === 40).map((line) => `${line.msg as string}: ${line.reason as string}`);
  return { ...result, warnings };
}

function everything(index: FeatureIndex): string[] {
  return [...index.within(WORLD)].map((f) => `${f.name}@${f.latitude},${f.longitude}`).sort();
}

const expected = (list: FeatureRecord[]) => list.map((f) => `${f.name}@${f.latitude},${f.longitude}`).sort();

describe('start-up opens the index file when it can be trusted', () => {
  it('maps a current file without rebuilding it, and follows the feed from its position', async () => {
    const { storage, indexPath } = await seeded(2_000);
    const before = statSync(indexPath).mtimeMs;
    const { index, warnings, from, file } = await opened(storage, indexPath);
    expect(warnings).toEqual([]);
    expect(file?.path).toBe(indexPath);
    expect(statSync(indexPath).mtimeMs).toBe(before);
    expect(index.packedBase?.count).toBe(2_000);
    expect(from).toBe(await storage.lastImportPosition());
    expect(everything(index)).toEqual(expected(features(0, 2_000)));
    await storage.close();
  });

  it('a merge of a later import copies the old file and adds only the new features', async () => {
    const { storage, indexPath } = await seeded(1_000);
    await storage.insertFeatures([...features(500, 1_000)]);
    const { header, merged } = await updateIndexFile(storage, indexPath);
    expect(merged).toBe(true);
    expect(header.count).toBe(1_500);
    expect(header.feedPosition).toBe(await storage.lastImportPosition());
    const { index, warnings } = await opened(storage, indexPath);
    expect(warnings).toEqual([]);
    expect(everything(index)).toEqual(expected(features(0, 1_500)));
    await storage.close();
  });
});

describe('a file that cannot be trusted is rebuilt once, saying why, and then answers correctly', () => {
  async function rebuiltAfter(damage: (indexPath: string, path: string) => void | Promise<void>, reason: RegExp): Promise<void> {
    const { storage, indexPath, path } = await seeded(3_000);
    await damage(indexPath, path);
    const first = await opened(storage, indexPath);
    expect(first.warnings).toHaveLength(1);
    expect(first.warnings[0]).toMatch(/^index file cannot be used; rebuilding it from storage: /);
    expect(first.warnings[0]).toMatch(reason);
    expect(first.index.packedBase?.count).toBe(3_000);
    expect(everything(first.index)).toEqual(expected(features(0, 3_000)));
    // The rebuilt file is good: the next start uses it as it is.
    expect((await opened(storage, indexPath)).warnings).toEqual([]);
    await storage.close();
  }

  it('a missing file is built, said at info (a first start has none)', async () => {
    const { storage, indexPath } = await seeded(1_000);
    unlinkSync(indexPath);
    const captured = captureLog();
    const { index } = await openIndex(storage, { path: indexPath, verifyChecksums: true, log: captured.log });
    expect(captured.lines.filter((line) => (line.level as number) >= 30 && String(line.msg).includes('index file')).map((line) => [line.level, line.msg])).toEqual([
      [30, 'no index file yet; building it from storage'],
      [30, 'index file written'],
    ]);
    expect(everything(index)).toEqual(expected(features(0, 1_000)));
    await storage.close();
  });

  it('a file of another format version', () =>
    rebuiltAfter((indexPath) => {
      const bytes = readFileSync(indexPath);
      bytes.writeUInt32LE(0, 8);
      writeFileSync(indexPath, bytes);
    }, /it is of format version 0, not 1/));

  it('a truncated file', () => rebuiltAfter((indexPath) => truncateSync(indexPath, statSync(indexPath).size - 4096), /it is truncated/));

  for (const section of ['names', 'offsets', 'tree', 'slots'] as const) {
    it(`one flipped byte in the ${section} section`, () =>
      rebuiltAfter((indexPath) => {
        const { offset, length } = openIndexFile(indexPath, { verifyChecksums: false }).header.sections[section];
        const bytes = readFileSync(indexPath);
        bytes[offset + Math.floor(length / 3)]! ^= 0x01;
        writeFileSync(indexPath, bytes);
      }, new RegExp(`its ${section} section fails its checksum`)));
  }

  it('a file from another database', () =>
    rebuiltAfter(async (indexPath) => {
      const other = await seeded(10);
      copyFileSync(other.indexPath, indexPath);
      await other.storage.close();
    }, /it was built from another database/));

  it('a file ahead of its storage (the database restored from a backup older than the file)', async () => {
    const { storage, indexPath, path } = await seeded(1_000);
    await storage.close();
    const backup = `${path}.backup`;
    copyFileSync(path, backup);
    const live = await openStorage(`sqlite:${path}`);
    await live.insertFeatures(features(1_000, 500));
    await updateIndexFile(live, indexPath);
    await live.close();
    // The restore: the database goes back, the newer index file stays.
    copyFileSync(backup, path);
    const restored = await openStorage(`sqlite:${path}`);
    const first = await opened(restored, indexPath);
    expect(first.warnings).toEqual([
      'index file cannot be used; rebuilding it from storage: it is ahead of its storage (it holds imports through feed position 2, the storage only through 1)',
    ]);
    expect(everything(first.index)).toEqual(expected(features(0, 1_000)));
    await restored.close();
  });

  it('a restored copy of the database that has since diverged (another import at the same feed position)', async () => {
    const { storage, indexPath, path } = await seeded(1_000);
    await storage.close();
    const backup = `${path}.backup`;
    copyFileSync(path, backup);
    const live = await openStorage(`sqlite:${path}`);
    await live.insertFeatures(features(1_000, 500, 'original'));
    await updateIndexFile(live, indexPath);
    await live.close();
    copyFileSync(backup, path);
    const restored = await openStorage(`sqlite:${path}`);
    await restored.insertFeatures(features(1_000, 500, 'diverged'));
    const first = await opened(restored, indexPath);
    expect(first.warnings).toEqual([
      'index file cannot be used; rebuilding it from storage: it was built from another copy of this database (the import at feed position 2 differs)',
    ]);
    expect(everything(first.index)).toEqual(expected([...features(0, 1_000), ...features(1_000, 500, 'diverged')]));
    await restored.close();
  });
});

describe('catching up and falling back', () => {
  it('an import committed after the file was written is in the index that start-up returns once it is followed', async () => {
    const { storage, indexPath } = await seeded(1_000);
    await storage.insertFeatures(features(1_000, 200));
    const { index, from, warnings } = await opened(storage, indexPath);
    expect(warnings).toEqual([]);
    // The file is older than the import: start-up follows the feed from the file's position.
    expect(from).toBe(1);
    expect(await storage.importsAfter(from, 10)).toEqual([{ position: 2 }]);
    expect(index.size).toBe(1_000);
    await storage.close();
  });

  it('where the file cannot be written, one line says so and every feature is loaded into the heap', async () => {
    // A file where the index's directory should be: no one (root included) can create the directory.
    const notADirectory = join(directory.path, 'not-a-directory');
    writeFileSync(notADirectory, 'x');
    const storage = await openStorage(`sqlite:${join(directory.path, `db-${databases++}.db`)}`);
    await storage.insertFeatures(features(0, 100));
    const captured = captureLog();
    const { index, file } = await openIndex(storage, { path: join(notADirectory, 'x.index'), verifyChecksums: true, log: captured.log });
    const warnings = captured.lines.filter((line) => line.level === 40);
    expect(warnings).toEqual([
      expect.objectContaining({
        msg: 'cannot write the index file; the index is built in memory',
        unusable: 'it does not exist',
        reason: expect.stringMatching(/^EEXIST: file already exists, mkdir/),
      }),
    ]);
    expect(file).toBeUndefined();
    expect(index.packedBase).toBeUndefined();
    expect(everything(index)).toEqual(expected(features(0, 100)));
    await storage.close();
  });

  it('buildIndexFile writes what the storage holds, and records where the feed stood on both sides of the scan', async () => {
    const storage = await openStorage(`sqlite:${join(directory.path, `db-${databases++}.db`)}`);
    await storage.insertFeatures(features(0, 10));
    await storage.insertFeatures(features(10, 10));
    const path = join(directory.path, `built-${databases}.index`);
    const header = await buildIndexFile(storage, path);
    expect(header).toMatchObject({ count: 20, feedPosition: 2, overlapThrough: 2, identity: await storage.identity(), importToken: await storage.importToken(2) });
    await storage.close();
  });
});
