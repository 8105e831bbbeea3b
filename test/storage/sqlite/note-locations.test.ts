import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { nextTurn } from '../../../src/common/event-loop.js';
import { openSqliteStorage } from '../../../src/storage/sqlite/sqlite-storage.js';
import type { Storage } from '../../../src/storage/storage.js';
import { temporaryDirectory } from '../../support/servers.js';

/** Turns enough for a location filter to fill from a small note_locations (a page a turn). */
async function turns(count = 5): Promise<void> {
  for (let i = 0; i < count; i++) await nextTurn();
}

describe('SQLite notes by location (note_locations, the tail and the location filter)', () => {
  let directory: ReturnType<typeof temporaryDirectory>;
  let path: string;
  const open: Storage[] = [];
  const openStorage = (): Storage => {
    const storage = openSqliteStorage({ path, noteTailMoveAt: 3 });
    open.push(storage);
    return storage;
  };
  beforeEach(() => {
    directory = temporaryDirectory();
    path = join(directory.path, 'notes.db');
  });
  afterEach(async () => {
    for (const storage of open.splice(0)) await storage.close();
    directory.remove();
  });

  const points = Array.from({ length: 20 }, (_, i) => ({ latitude: 1000 + i, longitude: -2000 - i }));

  it('finds notes that another server stored and moved into note_locations while this one looked elsewhere', async () => {
    const writer = openStorage();
    const reader = openStorage();
    await writer.addNotes([{ latitude: 1, longitude: 1, message: 'before' }]);
    // The reader looks up once, and its location filter fills from what note_locations holds.
    expect(await reader.notesAtEach([{ latitude: 1, longitude: 1 }], 10)).toEqual([[{ latitude: 1, longitude: 1, message: 'before' }]]);
    await turns();
    for (const [i, point] of points.entries()) await writer.addNotes([{ ...point, message: `note ${i}` }]);
    const found = await reader.notesAtEach(points, 10);
    expect(found).toEqual(points.map((point, i) => [{ ...point, message: `note ${i}` }]));
    expect(await reader.notesAtEach([{ latitude: 5, longitude: 5 }], 10)).toEqual([[]]);
  });

  it('finds every note at a point whose notes are split between note_locations and the tail, the most recent `limit` of them', async () => {
    const storage = openStorage();
    await turns();
    const [point] = points;
    for (let i = 0; i < 8; i++) await storage.addNotes([{ ...point!, message: `m${i}` }]);
    await turns();
    expect((await storage.notesAt(point!.latitude, point!.longitude, 100)).map((note) => note.message)).toEqual(['m0', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7']);
    expect((await storage.notesAt(point!.latitude, point!.longitude, 5)).map((note) => note.message)).toEqual(['m3', 'm4', 'm5', 'm6', 'm7']);
  });

  it('finds notes stored before this server opened the database, once its filter has filled and before', async () => {
    const first = openStorage();
    for (const [i, point] of points.entries()) await first.addNotes([{ ...point, message: `note ${i}` }]);
    await first.close();
    const reopened = openStorage();
    const expected = points.map((point, i) => [{ ...point, message: `note ${i}` }]);
    expect(await reopened.notesAtEach(points, 10)).toEqual(expected);
    await turns();
    expect(await reopened.notesAtEach(points, 10)).toEqual(expected);
  });
});
