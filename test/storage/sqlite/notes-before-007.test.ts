import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pointKey } from '../../../src/geo/point-key.js';
import { openSqliteStorage } from '../../../src/storage/sqlite/sqlite-storage.js';
import type { Storage, StoredNote } from '../../../src/storage/storage.js';
import { temporaryDirectory } from '../../support/servers.js';

/** Built by migrations 001-005 alone (fixtures/make-notes-005.mjs): notes indexed by notes_by_location. */
const FIXTURE = fileURLToPath(new URL('./fixtures/notes-005.db', import.meta.url));

interface RawNote extends StoredNote {
  readonly id: number;
  readonly created_at: number;
}

describe('SQLite notes on a database from before migration 007', () => {
  let directory: ReturnType<typeof temporaryDirectory>;
  let path: string;
  let before: RawNote[];
  let storage: Storage;
  let migrated: string[];

  beforeEach(() => {
    directory = temporaryDirectory();
    path = join(directory.path, 'notes-005.db');
    copyFileSync(FIXTURE, path);
    const raw = new Database(path, { readonly: true });
    before = raw.prepare('SELECT id, latitude, longitude, message, created_at FROM notes ORDER BY id').all() as RawNote[];
    raw.close();
    migrated = [];
    // A small tail, so that the notes stored below move into note_locations beside the migrated ones.
    storage = openSqliteStorage({ path, noteTailMoveAt: 4, onMigrated: (names) => migrated.push(...names) });
  });
  afterEach(async () => {
    await storage.close();
    directory.remove();
  });

  const note = ({ latitude, longitude, message }: StoredNote): StoredNote => ({ latitude, longitude, message });
  function byPoint(notes: readonly RawNote[]): Map<string, RawNote[]> {
    const points = new Map<string, RawNote[]>();
    for (const each of notes) {
      const key = pointKey(each.latitude, each.longitude);
      points.set(key, [...(points.get(key) ?? []), each]);
    }
    return points;
  }

  it('migrates it and finds every note, in the feed and at its point', async () => {
    expect(migrated).toContain('007_note_locations.sql');
    expect(before).toHaveLength(533);
    const fed = await storage.notesAfter(0, 10_000);
    expect(fed).toEqual(before.map(({ id, latitude, longitude, message }) => ({ position: id, latitude, longitude, message })));
    expect(await storage.lastNotePosition()).toBe(600);
    const points = byPoint(before);
    expect(points.size).toBe(41);
    for (const notes of points.values()) {
      const { latitude, longitude } = notes[0]!;
      expect(await storage.notesAt(latitude, longitude, 1000)).toEqual(notes.map(note));
      expect(await storage.notesAt(latitude, longitude, 3)).toEqual(notes.slice(-3).map(note));
    }
    const asked = [...points.values()].map((notes) => ({ latitude: notes[0]!.latitude, longitude: notes[0]!.longitude }));
    asked.push({ latitude: 1, longitude: 1 });
    expect(await storage.notesAtEach(asked, 1000)).toEqual([...[...points.values()].map((notes) => notes.map(note)), []]);
  });

  it('stores new notes after the migrated ones, at their points and in the feed', async () => {
    const [first] = before;
    const added = Array.from({ length: 10 }, (_, i) => ({ latitude: first!.latitude, longitude: first!.longitude, message: `added ${i}` }));
    for (const each of added) await storage.addNotes([each]);
    const atFirst = before.filter((each) => each.latitude === first!.latitude && each.longitude === first!.longitude);
    expect(await storage.notesAt(first!.latitude, first!.longitude, 1000)).toEqual([...atFirst.map(note), ...added]);
    const fed = await storage.notesAfter(600, 100);
    expect(fed.map((each) => each.message)).toEqual(added.map((each) => each.message));
    expect(fed[0]!.position).toBeGreaterThan(600);
  });

  it('prunes migrated notes by the time they were stored', async () => {
    const cutoff = before[100]!.created_at;
    expect(await storage.pruneNotes(cutoff)).toBe(100);
    const left = before.slice(100);
    expect((await storage.notesAfter(0, 10_000)).map((each) => each.position)).toEqual(left.map((each) => each.id));
    for (const notes of byPoint(before).values()) {
      const { latitude, longitude } = notes[0]!;
      expect(await storage.notesAt(latitude, longitude, 1000)).toEqual(notes.filter((each) => each.created_at >= cutoff).map(note));
    }
  });
});
