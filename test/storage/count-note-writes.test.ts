import { describe, expect, it } from 'vitest';
import { countNoteWrites } from '../../src/storage/count-note-writes.js';
import { createMemoryStorage } from '../../src/storage/memory.js';
import type { Storage } from '../../src/storage/storage.js';

const note = (message: string) => ({ latitude: 1, longitude: 2, message });

describe('countNoteWrites, the decorator behind the notes-stored metric', () => {
  it('reports each commit of notes with its size once it has committed, not before', async () => {
    let commit!: () => void;
    const held: Storage = { ...createMemoryStorage(), addNotes: () => new Promise<void>((resolve) => (commit = resolve)) };
    const counts: number[] = [];
    const storage = countNoteWrites(held, (count) => counts.push(count));
    const adding = storage.addNotes([note('a'), note('b')]);
    await Promise.resolve();
    expect(counts).toEqual([]);
    commit();
    await adding;
    expect(counts).toEqual([2]);
  });

  it('reports nothing for a commit that fails, and passes its error on', async () => {
    const failing: Storage = { ...createMemoryStorage(), addNotes: () => Promise.reject(new Error('disk full')) };
    const counts: number[] = [];
    const storage = countNoteWrites(failing, (count) => counts.push(count));
    await expect(storage.addNotes([note('a')])).rejects.toThrow('disk full');
    expect(counts).toEqual([]);
  });

  it('leaves every other call to the storage it wraps', async () => {
    const inner = createMemoryStorage();
    const storage = countNoteWrites(inner, () => {});
    expect(storage.scheme).toBe(inner.scheme);
    await storage.insertFeatures([{ name: 'x', latitude: 5, longitude: 6 }]);
    expect(await inner.countFeatures()).toBe(1);
    await inner.addNotes([note('direct')]);
    expect(await storage.notesAt(1, 2, 10)).toEqual([note('direct')]);
    await storage.close();
  });
});
