import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, ftruncateSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Flatbush from 'flatbush';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileAtomically } from '../../src/common/replace-file.js';
import { mapSections } from '../../src/index/mapped-file.js';
import { nativeMapper } from '../../src/index/native-mapper.js';
import { ensureBuilt, ROOT } from '../support/build.js';
import { readFileMappings, readSmapsRollup, readStatusMemory } from '../support/memory-maps.js';

const MiB = 2 ** 20;
const GiB = 2 ** 30;
const SIZE = 64 * MiB;
const onLinux = process.platform === 'linux';

let directory: string;
let path: string;
let contents: Buffer;

/** Reads one byte of every page, so that each is brought in. */
function touchEveryPage(buffer: Buffer): number {
  let sum = 0;
  for (let i = 0; i < buffer.length; i += 4096) sum += buffer[i]!;
  return sum;
}

beforeAll(() => {
  directory = mkdtempSync(join(tmpdir(), 'routeguide-mapped-file-'));
  path = join(directory, 'sections.bin');
  contents = Buffer.allocUnsafeSlow(SIZE);
  // Every 4-byte word holds its own position: a section read from the wrong place cannot pass.
  const words = new Uint32Array(contents.buffer, 0, SIZE / 4);
  for (let i = 0; i < words.length; i++) words[i] = i;
  writeFileSync(path, contents);
});

afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe('mapSections', () => {
  it.runIf(onLinux)('maps the file rather than copying it: reading every page raises RssFile and Pss_File by the 64 MiB, not RssAnon', () => {
    const status = readStatusMemory();
    const rollup = readSmapsRollup();
    const { buffers, mapped, reason } = mapSections(path, [{ offset: 0, length: SIZE }]);
    expect({ mapped, reason }).toEqual({ mapped: true, reason: undefined });
    touchEveryPage(buffers[0]!);
    const statusAfter = readStatusMemory();
    const rollupAfter = readSmapsRollup();
    expect(statusAfter.rssFile - status.rssFile).toBeGreaterThan(0.9 * SIZE);
    expect(rollupAfter.pssFile - rollup.pssFile).toBeGreaterThan(0.9 * SIZE);
    expect(statusAfter.rssAnon - status.rssAnon).toBeLessThan(0.25 * SIZE);
    expect(readFileMappings(path).rss).toBe(SIZE);
    expect(buffers[0]!.equals(contents)).toBe(true);
  });

  it.runIf(onLinux)('reading instead of mapping, when asked, raises RssAnon by the 64 MiB (the check above can fail)', () => {
    const status = readStatusMemory();
    const { buffers, mapped } = mapSections(path, [{ offset: 0, length: SIZE }], { forceRead: true });
    expect(mapped).toBe(false);
    touchEveryPage(buffers[0]!);
    expect(readStatusMemory().rssAnon - status.rssAnon).toBeGreaterThan(0.9 * SIZE);
  });

  it('returns the same bytes mapped and read, section by section, an empty section included', () => {
    const sections = [
      { offset: 8192, length: 5000 },
      { offset: 0, length: 0 },
      { offset: 40 * 4096, length: SIZE - 40 * 4096 },
      { offset: 0, length: 4096 },
    ];
    const mapped = mapSections(path, sections);
    const read = mapSections(path, sections, { forceRead: true });
    expect(mapped.mapped).toBe(onLinux);
    expect(read).toMatchObject({ mapped: false, reason: 'reading the index file into memory was asked for' });
    sections.forEach(({ offset, length }, i) => {
      const expected = contents.subarray(offset, offset + length);
      expect(mapped.buffers[i]!.equals(expected)).toBe(true);
      expect(read.buffers[i]!.equals(expected)).toBe(true);
    });
  });

  it('gives Flatbush.from a buffer it can read: a packed tree written into a section answers as the one built', () => {
    const tree = new Flatbush(1000, 16, Int32Array);
    for (let i = 0; i < 1000; i++) tree.add((i * 7919) % 100_000, (i * 104_729) % 100_000);
    tree.finish();
    const treePath = join(directory, 'tree.bin');
    // A header page, then the tree's data in a section of its own.
    writeFileSync(treePath, Buffer.concat([Buffer.alloc(4096, 1), Buffer.from(tree.data)]));
    for (const options of [{}, { forceRead: true }]) {
      const [section] = mapSections(treePath, [{ offset: 4096, length: tree.data.byteLength }], options).buffers;
      expect(section!.byteOffset % 8).toBe(0);
      const loaded = Flatbush.from(section!.buffer, section!.byteOffset);
      expect(loaded.numItems).toBe(1000);
      expect(loaded.search(10_000, 10_000, 60_000, 70_000).sort()).toEqual(tree.search(10_000, 10_000, 60_000, 70_000).sort());
    }
  });

  it('maps sections at and past 2 GiB and 4 GiB from their own place, or reads them there when the mapper cannot reach, saying why', () => {
    const sparsePath = join(directory, 'sparse.bin');
    const fd = openSync(sparsePath, 'w');
    ftruncateSync(fd, 4 * GiB + 8192);
    writeSync(fd, Buffer.from('at 2 GiB'), 0, 8, 2 * GiB);
    writeSync(fd, Buffer.from('at 4 GiB'), 0, 8, 4 * GiB);
    closeSync(fd);
    const { buffers, mapped, reason } = mapSections(sparsePath, [
      { offset: 2 * GiB, length: 4096 },
      { offset: 4 * GiB, length: 8192 },
    ]);
    const mapper = nativeMapper();
    if (typeof mapper === 'string') expect({ mapped, reason }).toEqual({ mapped: false, reason: mapper });
    else expect({ mapped, reason }).toEqual({ mapped: true, reason: undefined });
    expect(buffers.map((buffer) => buffer.subarray(0, 8).toString())).toEqual(['at 2 GiB', 'at 4 GiB']);
  });

  it('throws an error naming the path when the file is missing, too short, or a section is misplaced', () => {
    const missing = join(directory, 'missing.bin');
    expect(() => mapSections(missing, [{ offset: 0, length: 1 }])).toThrow(`${missing}: cannot open the file for reading (ENOENT)`);
    expect(() => mapSections(path, [{ offset: SIZE - 4096, length: 4097 }])).toThrow(
      `${path}: the file is ${SIZE} bytes, too short for section 0 (bytes ${SIZE - 4096} to ${SIZE + 1})`,
    );
    expect(() => mapSections(path, [{ offset: 0, length: 1 }, { offset: 100, length: 1 }])).toThrow(
      `${path}: section 1's offset 100 is not a multiple of 4096`,
    );
    expect(() => mapSections(path, [{ offset: 0, length: 2 ** 32 }])).toThrow(`${path}: section 0's length 4294967296 is not between 0 and 4294967295`);
  });

  it.runIf(onLinux)('keeps the old bytes in a mapping after the file is replaced by rename, and maps the new file afresh', async () => {
    const replacedPath = join(directory, 'replaced.bin');
    writeFileSync(replacedPath, Buffer.alloc(3 * 4096, 'old '));
    const old = mapSections(replacedPath, [{ offset: 4096, length: 8192 }]);
    expect(old.mapped).toBe(true);
    await writeFileAtomically(replacedPath, (fd) => {
      writeSync(fd, Buffer.alloc(3 * 4096, 'new '));
    });
    expect(old.buffers[0]!.equals(Buffer.alloc(8192, 'old '))).toBe(true);
    expect(readFileMappings(`${replacedPath} (deleted)`).rss).toBe(8192);
    expect(mapSections(replacedPath, [{ offset: 4096, length: 8192 }]).buffers[0]!.equals(Buffer.alloc(8192, 'new '))).toBe(true);
  });
});

describe.runIf(onLinux)('a file mapped by two processes', () => {
  let child: ChildProcess | undefined;

  beforeAll(() => ensureBuilt(), 120_000);
  afterAll(() => {
    child?.kill();
  });

  it('shares its pages through the page cache: each process is charged about half of them in Pss', async () => {
    // A file of its own: Pss divides a page among all its mappings, the earlier tests' included.
    const sharedPath = join(directory, 'shared.bin');
    writeFileSync(sharedPath, contents);
    const { buffers } = mapSections(sharedPath, [{ offset: 0, length: SIZE }]);
    touchEveryPage(buffers[0]!);
    expect(readFileMappings(sharedPath).pss).toBe(SIZE);
    const script = [
      `const { mapSections } = await import(${JSON.stringify(join(ROOT, 'dist/index/mapped-file.js'))});`,
      `const { buffers, mapped } = mapSections(${JSON.stringify(sharedPath)}, [{ offset: 0, length: ${SIZE} }]);`,
      'let sum = 0;',
      'for (let i = 0; i < buffers[0].length; i += 4096) sum += buffers[0][i];',
      'console.log(JSON.stringify({ mapped, sum }));',
      'setInterval(() => buffers, 60_000);',
    ].join('\n');
    const started = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    child = started;
    const line = await new Promise<string>((resolve, reject) => {
      started.stdout!.once('data', (data: Buffer) => resolve(data.toString()));
      started.once('exit', (code) => reject(new Error(`the child exited with ${code} before mapping`)));
    });
    expect(JSON.parse(line)).toEqual({ mapped: true, sum: touchEveryPage(buffers[0]!) });
    const parent = readFileMappings(sharedPath);
    const other = readFileMappings(sharedPath, started.pid!);
    expect(parent.rss).toBe(SIZE);
    expect(other.rss).toBe(SIZE);
    expect(parent.pss).toBeGreaterThan(0.45 * SIZE);
    expect(parent.pss).toBeLessThan(0.55 * SIZE);
    expect(other.pss).toBeGreaterThan(0.45 * SIZE);
    expect(other.pss).toBeLessThan(0.55 * SIZE);
  });
});
