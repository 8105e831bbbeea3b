import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRouteGuideClient } from '../../src/client/client.js';
import { openIndexFile } from '../../src/index/index-file.js';
import { openStorage } from '../../src/storage/open-storage.js';
import type { FeatureRecord } from '../../src/storage/storage.js';
import { BIN } from '../support/build.js';
import { ensureBuilt, runCli, startServerProcess, type ServerProcess, jsonLogLines } from '../support/cli.js';
import { readFileMappings } from '../support/memory-maps.js';
import { createTestDatabase, HAVE_POSTGRES } from '../support/postgres.js';
import { collect, temporaryDirectory } from '../support/servers.js';
import { eventually } from '../support/wait.js';

beforeAll(() => ensureBuilt(), 120_000);
const directory = temporaryDirectory();
afterAll(() => directory.remove());
const servers: ServerProcess[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.stop('SIGKILL');
});

const WORLD = { lo: { latitude: -900_000_000, longitude: -1_800_000_000 }, hi: { latitude: 900_000_000, longitude: 1_800_000_000 } };
let names = 0;
const databasePath = () => join(directory.path, `db-${names++}.db`);

type LogLine = Record<string, unknown>;
function logLines(server: ServerProcess): LogLine[] {
  return jsonLogLines(server.stderr());
}

async function serve(args: readonly string[]): Promise<ServerProcess> {
  const server = await startServerProcess([...args, '--log-format', 'json'], { cwd: directory.path });
  servers.push(server);
  return server;
}

async function seed(storage: string, ...args: string[]) {
  const result = await runCli(['seed', '--storage', storage, ...args], { cwd: directory.path, timeoutMs: 120_000 });
  expect(result.code, result.stderr).toBe(0);
  return result;
}

async function countAll(target: string): Promise<number> {
  const client = createRouteGuideClient(target);
  try {
    return (await collect(client.listFeatures(WORLD))).length;
  } finally {
    client.close();
  }
}

describe('serve from an index file (SQLite)', () => {
  it('seed writes PATH.index beside the database, and serve maps it: its pages are the file, not the heap', { timeout: 120_000 }, async () => {
    const path = databasePath();
    await seed(`sqlite:${path}`, '--synthetic', '50000');
    expect(openIndexFile(`${path}.index`, { verifyChecksums: true }).header.count).toBe(50_000);
    const server = await serve(['--storage', `sqlite:${path}`]);
    expect(logLines(server).map((line) => line.msg)).not.toContain('index file cannot be used; rebuilding it from storage');
    expect(logLines(server).find((line) => line.msg === 'index loaded')).toMatchObject({ features: 50_000, indexFile: `${path}.index` });
    expect(await countAll(server.target)).toBe(50_000);
    // Every page was read by that walk: through the file's mapping, so it was never copied into the heap.
    const mapped = readFileMappings(`${path}.index`, server.child.pid!);
    expect(mapped.rss).toBeGreaterThan(0.5 * statSync(`${path}.index`).size);
  });

  it('an import committed after the file was written is served once listening on is printed', { timeout: 120_000 }, async () => {
    const path = databasePath();
    await seed(`sqlite:${path}`, '--synthetic', '20000');
    // An import that does not bring the file up to date (as a server of another version might make).
    const storage = await openStorage(`sqlite:${path}`);
    const added: FeatureRecord[] = Array.from({ length: 3000 }, (_, i) => ({ name: `later ${i}`, latitude: 10_000 + i, longitude: 20_000 }));
    await storage.insertFeatures(added);
    await storage.close();
    const server = await serve(['--storage', `sqlite:${path}`]);
    const client = createRouteGuideClient(server.target);
    try {
      expect(await client.getFeature({ latitude: 10_000 + 2999, longitude: 20_000 })).toMatchObject({ name: 'later 2999' });
    } finally {
      client.close();
    }
    expect(await countAll(server.target)).toBe(23_000);
    expect(logLines(server).map((line) => line.msg)).not.toContain('index file cannot be used; rebuilding it from storage');
  });

  it('a seed SIGKILLed while it writes the new file leaves the previous one in use; the next start catches up', { timeout: 180_000 }, async () => {
    const path = databasePath();
    await seed(`sqlite:${path}`, '--synthetic', '20000');
    const before = statSync(`${path}.index`);
    const child = spawn(process.execPath, [BIN, 'seed', '--storage', `sqlite:${path}`, '--synthetic', '300000', '--random-seed', '5'], { cwd: directory.path });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // Once the import has committed, the seed writes the new file under a temporary name: kill it then.
    const temporary = () => readdirSync(directory.path).some((name) => name.startsWith(`${path.split('/').at(-1)}.index.tmp-`));
    await eventually(() => temporary() || child.exitCode !== null, 60_000, 'the temporary file');
    expect(child.exitCode, `seed exited before it wrote the index file:\n${stderr}`).toBeNull();
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    expect(statSync(`${path}.index`).ino).toBe(before.ino);
    const server = await serve(['--storage', `sqlite:${path}`]);
    expect(logLines(server).map((line) => line.msg)).not.toContain('index file cannot be used; rebuilding it from storage');
    expect(logLines(server).find((line) => line.msg === 'index took in new imports')).toMatchObject({ features: 300_000 });
    expect(await countAll(server.target)).toBe(320_000);
  });

  it('a running server writes a new file in the background once imports since the last pass 5% of it, and maps it', { timeout: 120_000 }, async () => {
    const path = databasePath();
    await seed(`sqlite:${path}`, '--synthetic', '20000');
    const server = await serve(['--storage', `sqlite:${path}`]);
    // An import that leaves the file as it is: the server takes it in, then merges it into a new file.
    const storage = await openStorage(`sqlite:${path}`);
    await storage.insertFeatures(Array.from({ length: 1500 }, (_, i) => ({ name: `new ${i}`, latitude: 30_000 + i, longitude: 40_000 })));
    await storage.close();
    await eventually(() => logLines(server).some((line) => line.msg === 'index file rewritten'), 60_000, 'the new index file');
    expect(logLines(server).find((line) => line.msg === 'index file rewritten')).toMatchObject({ features: 21_500, merged: 1500, position: 2 });
    expect(openIndexFile(`${path}.index`, { verifyChecksums: true }).header).toMatchObject({ count: 21_500, feedPosition: 2, overlapThrough: 2 });
    expect(await countAll(server.target)).toBe(21_500);
    // The next start maps that file and has nothing to catch up.
    await server.stop();
    const next = await serve(['--storage', `sqlite:${path}`]);
    expect(logLines(next).map((line) => line.msg)).not.toContain('index took in new imports');
    expect(await countAll(next.target)).toBe(21_500);
  });

  it('a damaged file is rebuilt at start with one line saying why, and the server answers correctly', { timeout: 120_000 }, async () => {
    const path = databasePath();
    await seed(`sqlite:${path}`, '--synthetic', '20000');
    const { truncateSync } = await import('node:fs');
    truncateSync(`${path}.index`, 4096 * 3);
    const server = await serve(['--storage', `sqlite:${path}`]);
    const rebuilt = logLines(server).filter((line) => line.msg === 'index file cannot be used; rebuilding it from storage');
    expect(rebuilt).toHaveLength(1);
    expect(rebuilt[0]!.reason).toMatch(/^it is truncated/);
    expect(await countAll(server.target)).toBe(20_000);
  });
});

describe.skipIf(!HAVE_POSTGRES)('serve from an index file (PostgreSQL)', () => {
  it('the first start writes a file in --index-dir named by the database; the second maps it and catches up from the feed', { timeout: 120_000 }, async () => {
    const url = await createTestDatabase('indexfile');
    const indexDir = join(directory.path, 'index-dir');
    await seed(url, '--synthetic', '20000');
    const first = await serve(['--storage', url, '--index-dir', indexDir]);
    expect(logLines(first).find((line) => line.msg === 'no index file yet; building it from storage')).toMatchObject({ level: 30 });
    await first.stop();
    const files = readdirSync(indexDir).filter((name) => name.endsWith('.index'));
    expect(files).toHaveLength(1);
    await seed(url, '--synthetic', '1000', '--random-seed', '9');
    // A seed into PostgreSQL writes no file: each server keeps its own.
    expect(readdirSync(indexDir).filter((name) => name.endsWith('.index'))).toEqual(files);
    const second = await serve(['--storage', url, '--index-dir', indexDir]);
    const messages = logLines(second).map((line) => line.msg);
    expect(messages).not.toContain('index file cannot be used; rebuilding it from storage');
    expect(logLines(second).find((line) => line.msg === 'index took in new imports')).toMatchObject({ features: 1000 });
    expect(await countAll(second.target)).toBe(21_000);
  });

  it('a file from another database is refused and rebuilt', { timeout: 120_000 }, async () => {
    const [one, two] = [await createTestDatabase('indexone'), await createTestDatabase('indextwo')];
    const indexDir = join(directory.path, 'index-dir-2');
    await seed(one, '--synthetic', '3000');
    await seed(two, '--synthetic', '2000', '--random-seed', '4');
    (await serve(['--storage', one, '--index-dir', indexDir])).stop();
    await eventually(() => readdirSync(indexDir).filter((name) => name.endsWith('.index')).length === 1, 10_000, 'the first file');
    const [file] = readdirSync(indexDir).filter((name) => name.endsWith('.index'));
    const server = await serve(['--storage', two, '--index-dir', indexDir]);
    const [second] = readdirSync(indexDir).filter((name) => name.endsWith('.index') && name !== file);
    // Put database one's file where database two's is, and start again: it is refused, and rebuilt.
    await server.stop();
    const { copyFileSync } = await import('node:fs');
    copyFileSync(join(indexDir, file!), join(indexDir, second!));
    const again = await serve(['--storage', two, '--index-dir', indexDir]);
    expect(logLines(again).find((line) => line.msg === 'index file cannot be used; rebuilding it from storage')).toMatchObject({
      reason: 'it was built from another database',
    });
    expect(await countAll(again.target)).toBe(2000);
  });
});
