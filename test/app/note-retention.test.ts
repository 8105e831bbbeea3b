import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createSilentLogger } from '../../src/observability/logger.js';
import { startNoteRetention } from '../../src/app/note-retention.js';
import { openStorage } from '../../src/storage/open-storage.js';
import type { Storage } from '../../src/storage/storage.js';
import { temporaryDirectory } from '../support/servers.js';

const directory = temporaryDirectory();
afterAll(() => directory.remove());

const backends: [string, () => Promise<Storage>][] = [
  ['memory', () => openStorage('memory:')],
  ['sqlite', () => openStorage(`sqlite:${join(directory.path, `notes-${Math.random().toString(36).slice(2)}.db`)}`)],
];

describe.each(backends)('pruneNotes on the %s backend', (_name, open) => {
  let storage: Storage;
  afterEach(async () => {
    await storage.close();
  });

  it('deletes the notes stored before the cutoff and keeps the later ones', async () => {
    storage = await open();
    await storage.addNotes([{ latitude: 1, longitude: 1, message: 'old a' }]);
    await storage.addNotes([{ latitude: 2, longitude: 2, message: 'old b' }]);
    // Wait for the backend's millisecond clock to move on, so the cutoff separates the two groups.
    const cutoff = Date.now() + 1;
    while (Date.now() <= cutoff) await new Promise((resolve) => setImmediate(resolve));
    await storage.addNotes([{ latitude: 1, longitude: 1, message: 'new' }]);

    expect(await storage.pruneNotes(cutoff)).toBe(2);
    expect(await storage.notesAt(1, 1, 10)).toEqual([{ latitude: 1, longitude: 1, message: 'new' }]);
    expect(await storage.notesAt(2, 2, 10)).toEqual([]);
    expect(await storage.pruneNotes(cutoff)).toBe(0);
  });

  it('deletes more notes than one batch holds', async () => {
    storage = await open();
    await storage.addNotes(Array.from({ length: 12_000 }, (_, i) => ({ latitude: i % 7, longitude: 0, message: `n${i}` })));
    expect(await storage.pruneNotes(Date.now() + 1)).toBe(12_000);
    expect(await storage.notesAt(0, 0, 10)).toEqual([]);
  }, 30_000);
});

describe('background note retention', () => {
  it('prunes at start and on demand, by the maximum age from its clock', async () => {
    const storage = await openStorage('memory:');
    await storage.addNotes([{ latitude: 1, longitude: 1, message: 'kept for now' }]);
    let now = Date.now();
    const pruned: number[] = [];
    const retention = startNoteRetention({ storage, maxAgeMs: 60_000, log: createSilentLogger(), now: () => now, onPruned: (count) => pruned.push(count) });
    expect(await retention.pruneNow()).toBe(0);
    now += 120_000;
    expect(await retention.pruneNow()).toBe(1);
    expect(await storage.notesAt(1, 1, 10)).toEqual([]);
    expect(pruned).toContain(1);
    await retention.stop();
    await storage.close();
  });
});
