import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { copyStorage } from '../../src/app/copy-storage.js';
import { openStorage } from '../../src/storage/open-storage.js';
import type { FeatureRecord, Storage } from '../../src/storage/storage.js';
import { ensureBuilt, runCli } from '../support/cli.js';
import { createTestDatabase, HAVE_POSTGRES } from '../support/postgres.js';
import { collect, temporaryDirectory } from '../support/servers.js';

// The CLI runs from dist/: build it once, before the timed tests (a build takes a while on a busy machine).
beforeAll(() => ensureBuilt(), 120_000);

const FEATURES: FeatureRecord[] = Array.from({ length: 2_500 }, (_, i) => ({ name: i % 10 === 0 ? '' : `place ${i}`, latitude: i * 1000, longitude: 5 - i * 7 }));
const NOTES = ['first', 'second', 'third', 'fourth', 'fifth'].map((message, i) => ({ latitude: i % 2, longitude: 5, message }));

async function sortedFeatures(storage: Storage): Promise<FeatureRecord[]> {
  return (await collect(storage.scanFeatures(700))).flat().sort((a, b) => a.latitude - b.latitude || a.longitude - b.longitude);
}

async function feedMessages(storage: Storage): Promise<string[]> {
  return (await storage.notesAfter(0, 100)).map((note) => note.message);
}

describe.skipIf(!HAVE_POSTGRES)('copying between storages', () => {
  let directory: ReturnType<typeof temporaryDirectory>;
  const opened: Storage[] = [];
  beforeEach(() => {
    directory = temporaryDirectory('routeguide-copy-');
  });
  afterEach(async () => {
    for (const storage of opened.splice(0)) await storage.close();
    directory.remove();
  });
  async function open(url: string): Promise<Storage> {
    const storage = await openStorage(url);
    opened.push(storage);
    return storage;
  }

  it('copies SQLite into PostgreSQL and PostgreSQL into memory: every feature, and the notes in their order', async () => {
    const sqlite = await open(`sqlite:${join(directory.path, 'from.db')}`);
    await sqlite.insertFeatures(FEATURES);
    await sqlite.addNotes(NOTES);
    const postgres = await open(await createTestDatabase('copy'));
    const notesSeen: number[] = [];
    expect(await copyStorage(sqlite, postgres, { onNotes: (copied) => notesSeen.push(copied) })).toEqual({
      features: { inserted: 2_500, duplicates: 0 },
      notes: 5,
    });
    expect(notesSeen.at(-1)).toBe(5);
    expect(await sortedFeatures(postgres)).toEqual(FEATURES);
    expect(await feedMessages(postgres)).toEqual(['first', 'second', 'third', 'fourth', 'fifth']);
    expect((await postgres.notesAt(0, 5, 10)).map((note) => note.message)).toEqual(['first', 'third', 'fifth']);

    const memory = await open('memory:');
    expect(await copyStorage(postgres, memory)).toEqual({ features: { inserted: 2_500, duplicates: 0 }, notes: 5 });
    expect(await sortedFeatures(memory)).toEqual(FEATURES);
    expect(await feedMessages(memory)).toEqual(['first', 'second', 'third', 'fourth', 'fifth']);
  }, 30_000);

  it('copies more notes than one page into PostgreSQL in their order, one commit per page', async () => {
    const from = await open('memory:');
    const many = Array.from({ length: 2_345 }, (_, i) => ({ latitude: i % 3, longitude: 7, message: `note ${i}` }));
    await from.addNotes(many);
    const to = await open(await createTestDatabase('copypages'));
    const notesSeen: number[] = [];
    expect(await copyStorage(from, to, { onNotes: (copied) => notesSeen.push(copied) })).toEqual({
      features: { inserted: 0, duplicates: 0 },
      notes: 2_345,
    });
    expect(notesSeen).toEqual([1_000, 2_000, 2_345]);
    expect((await to.notesAfter(0, 3_000)).map((note) => note.message)).toEqual(many.map((note) => note.message));
    expect((await to.notesAt(1, 7, 2)).map((note) => note.message)).toEqual(['note 2341', 'note 2344']);
  }, 30_000);

  it('refuses a destination that holds notes, before writing anything, and keeps the features a destination holds', async () => {
    const from = await open('memory:');
    await from.insertFeatures([{ name: 'from', latitude: 1, longitude: 1 }, { name: 'new', latitude: 2, longitude: 2 }]);
    await from.addNotes([{ latitude: 1, longitude: 1, message: 'copied' }]);
    const to = await open(await createTestDatabase('copyinto'));
    await to.insertFeatures([{ name: 'kept', latitude: 1, longitude: 1 }]);
    expect(await copyStorage(from, to)).toEqual({ features: { inserted: 1, duplicates: 1 }, notes: 1 });
    expect((await sortedFeatures(to)).map((feature) => feature.name)).toEqual(['kept', 'new']);
    await expect(copyStorage(from, to)).rejects.toThrow(/^the destination already holds notes; copy into a storage without notes/);
    expect(await to.countFeatures()).toBe(2);
    expect(await feedMessages(to)).toEqual(['copied']);
  }, 30_000);

  it('routeguide copy moves a SQLite database to PostgreSQL and back, printing one line with the password redacted', async () => {
    const sqlite = await open(`sqlite:${join(directory.path, 'start.db')}`);
    await sqlite.insertFeatures(FEATURES.slice(0, 100));
    await sqlite.addNotes(NOTES);
    await sqlite.close();
    const postgresUrl = await createTestDatabase('cli');
    const password = new URL(postgresUrl).password;
    const there = await runCli(['copy', '--from', `sqlite:${join(directory.path, 'start.db')}`, '--to', postgresUrl]);
    expect(there.stderr).toBe('');
    expect(there.code).toBe(0);
    expect(there.stdout).toMatch(
      /^copied 100 features \(0 duplicates skipped\) and 5 notes from sqlite:\S+start\.db to postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/cli_\w+ in \d+\.\d\d s\n$/,
    );
    expect(there.stdout).not.toContain(password);
    const back = await runCli(['copy', '--from', postgresUrl, '--to', `sqlite:${join(directory.path, 'back.db')}`]);
    expect(back.code).toBe(0);
    const result = await open(`sqlite:${join(directory.path, 'back.db')}`);
    expect(await sortedFeatures(result)).toEqual(FEATURES.slice(0, 100));
    expect(await feedMessages(result)).toEqual(['first', 'second', 'third', 'fourth', 'fifth']);
    const again = await runCli(['copy', '--from', postgresUrl, '--to', `sqlite:${join(directory.path, 'back.db')}`]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^routeguide copy: the destination already holds notes; .*\n$/);
  }, 40_000);
});

describe('routeguide copy mistakes', () => {
  it.each([
    [['copy', '--to', 'sqlite:./a.db'], 'routeguide copy: both --from URL and --to URL are needed; usage: routeguide copy --from URL --to URL'],
    [['copy', '--from', 'sqlite:./a.db', '--to', 'sqlite:./a.db'], 'routeguide copy: --from and --to are the same storage (sqlite:./a.db)'],
    [['copy', '--from', 'memory:', '--to', 'sqlite:./a.db'], 'routeguide copy: --from memory: exists only inside one process; copy between sqlite:<path> and postgres:// storages'],
  ])('%j is a usage mistake: one line and exit 2', async (args, line) => {
    const result = await runCli(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`${line}\n`);
  });
});
