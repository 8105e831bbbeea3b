import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Storage, FeatureRecord } from '../../src/storage/storage.js';
import { StorageClosedError } from '../../src/storage/errors.js';

/** The closed error the contract promises after close(): a StorageClosedError saying the storage is closed. */
export const CLOSED = expect.objectContaining({ constructor: StorageClosedError, message: expect.stringMatching(/ is closed$/) });

/**
 * The storage contract, written once and run unchanged against every backend.
 * `open` returns a fresh, empty storage; `reopen` (if the backend persists) opens the same data again.
 */
export function describeStorageContract(
  backend: string,
  open: () => Storage,
  reopen?: () => Storage,
): void {
  describe(`Storage contract: ${backend}`, () => {
    let storage: Storage;
    const feature = (latitude: number, longitude: number, name = `f ${latitude},${longitude}`): FeatureRecord => ({
      latitude,
      longitude,
      name,
    });
    const all = async (s: Storage): Promise<FeatureRecord[]> => {
      const out: FeatureRecord[] = [];
      for await (const batch of s.scanFeatures(3)) out.push(...batch);
      return out.sort((a, b) => a.latitude - b.latitude || a.longitude - b.longitude);
    };
    const messagesAt = async (latitude: number, longitude: number): Promise<string[]> =>
      (await storage.notesAt(latitude, longitude, 100)).map((note) => note.message);

    beforeEach(() => {
      storage = open();
    });
    afterEach(async () => {
      await storage.close();
    });

    it('starts empty', async () => {
      expect(await storage.countFeatures()).toBe(0);
      expect(await all(storage)).toEqual([]);
      expect(await storage.notesAt(0, 0, 10)).toEqual([]);
    });

    it('inserts features and scans every one back in batches', async () => {
      const input = Array.from({ length: 10 }, (_, i) => feature(i * 10, 1000 - i * 10));
      expect(await storage.insertFeatures(input)).toEqual({ inserted: 10, duplicates: 0 });
      expect(await storage.countFeatures()).toBe(10);
      expect(await all(storage)).toEqual([...input].sort((a, b) => a.latitude - b.latitude));
    });

    it('says whether any feature is stored (hasFeatures), as countFeatures() > 0 does', async () => {
      expect(await storage.hasFeatures()).toBe(false);
      await storage.insertFeatures([]);
      await expect(
        storage.insertFeatures(
          (function* () {
            yield feature(1, 1);
            throw new Error('input failed');
          })(),
        ),
      ).rejects.toThrow('input failed');
      expect(await storage.hasFeatures()).toBe(false);
      await storage.insertFeatures([feature(1, 1)]);
      expect(await storage.hasFeatures()).toBe(true);
      if (reopen) {
        await storage.close();
        storage = reopen();
        expect(await storage.hasFeatures()).toBe(true);
      }
    });

    it('keeps features with an empty name', async () => {
      await storage.insertFeatures([feature(5, 5, '')]);
      expect(await all(storage)).toEqual([feature(5, 5, '')]);
    });

    it('keys features by point: a second feature at a taken point is skipped as a duplicate', async () => {
      await storage.insertFeatures([feature(1, 2, 'first')]);
      const summary = await storage.insertFeatures([feature(1, 2, 'second'), feature(3, 4), feature(3, 4, 'again')]);
      expect(summary).toEqual({ inserted: 1, duplicates: 2 });
      expect(await all(storage)).toEqual([feature(1, 2, 'first'), feature(3, 4)]);
    });

    it('inserting the same features twice changes nothing', async () => {
      const input = [feature(1, 1), feature(2, 2)];
      await storage.insertFeatures(input);
      expect(await storage.insertFeatures(input)).toEqual({ inserted: 0, duplicates: 2 });
      expect(await storage.countFeatures()).toBe(2);
    });

    it('accepts an async iterable of features', async () => {
      async function* source() {
        yield feature(1, 1);
        yield feature(2, 2);
      }
      expect(await storage.insertFeatures(source())).toEqual({ inserted: 2, duplicates: 0 });
    });

    it('writes nothing when the input fails part way (all or nothing)', async () => {
      await storage.insertFeatures([feature(9, 9)]);
      async function* failing() {
        yield feature(1, 1);
        yield feature(2, 2);
        throw new Error('entry 2: bad record');
      }
      await expect(storage.insertFeatures(failing())).rejects.toThrow('entry 2: bad record');
      expect(await all(storage)).toEqual([feature(9, 9)]);
    });

    it('keeps coordinates at the E7 limits exactly', async () => {
      const corners = [feature(900000000, 1800000000), feature(-900000000, -1800000000)];
      await storage.insertFeatures(corners);
      expect(await all(storage)).toEqual([corners[1], corners[0]]);
    });

    it('returns notes at exactly one point, oldest first', async () => {
      await storage.addNotes([{ latitude: 1, longitude: 1, message: 'a' }]);
      await storage.addNotes([{ latitude: 1, longitude: 2, message: 'elsewhere' }]);
      await storage.addNotes([{ latitude: 1, longitude: 1, message: 'b' }]);
      await storage.addNotes([{ latitude: 1, longitude: 1, message: '' }]);
      expect((await storage.notesAt(1, 1, 10)).map((n) => n.message)).toEqual(['a', 'b', '']);
      expect(await storage.notesAt(1, 2, 10)).toEqual([{ latitude: 1, longitude: 2, message: 'elsewhere' }]);
    });

    it('caps notes at the most recent `limit`, still oldest first', async () => {
      for (let i = 0; i < 7; i++) await storage.addNotes([{ latitude: 3, longitude: 3, message: `m${i}` }]);
      expect((await storage.notesAt(3, 3, 3)).map((n) => n.message)).toEqual(['m4', 'm5', 'm6']);
      expect(await storage.notesAt(3, 3, 0)).toEqual([]);
    });

    it('keeps note text byte for byte, including non-ASCII', async () => {
      const message = 'café ☕ 東京 — "quoted", \n newline';
      await storage.addNotes([{ latitude: 4, longitude: 4, message }]);
      expect((await storage.notesAt(4, 4, 1))[0]?.message).toBe(message);
    });

    it('reads the notes at each of many points as notesAt would, in the order of the points, repeats and empty points included', async () => {
      // More points than one query of a backend is likely to take, most of them holding no note.
      const points = Array.from({ length: 600 }, (_, i) => ({ latitude: 50 + i, longitude: -(50 + i) }));
      await storage.addNotes([
        { latitude: 50, longitude: -50, message: 'first a' },
        { latitude: 649, longitude: -649, message: 'last' },
        { latitude: 50, longitude: -50, message: 'first b' },
        { latitude: 50, longitude: -50, message: 'first c' },
        { latitude: 300, longitude: -300, message: 'middle' },
        { latitude: 300, longitude: -301, message: 'beside the middle' },
      ]);
      const asked = [...points, points[0]!, { latitude: 1, longitude: 1 }];
      const each = await storage.notesAtEach(asked, 2);
      expect(each).toHaveLength(asked.length);
      for (const [i, point] of asked.entries()) expect(each[i]).toEqual(await storage.notesAt(point.latitude, point.longitude, 2));
      expect(each[0]!.map((note) => note.message)).toEqual(['first b', 'first c']);
      expect(each[250]!.map((note) => note.message)).toEqual(['middle']);
      expect(each[599]!.map((note) => note.message)).toEqual(['last']);
      expect(each[600]).not.toBe(each[0]);
      expect(await storage.notesAtEach(asked, 0)).toEqual(asked.map(() => []));
      expect(await storage.notesAtEach([], 10)).toEqual([]);
    });

    it('stores a batch of notes in the order given, after the notes stored before it, in the feed and at each point', async () => {
      await storage.addNotes([{ latitude: 1, longitude: 1, message: 'before' }]);
      const before = await storage.lastNotePosition();
      await storage.addNotes([
        { latitude: 1, longitude: 1, message: 'one' },
        { latitude: 2, longitude: 2, message: 'two' },
        { latitude: 1, longitude: 1, message: 'three' },
        { latitude: 1, longitude: 1, message: 'three' },
      ]);
      const fed = await storage.notesAfter(before, 10);
      expect(fed.map((note) => note.message)).toEqual(['one', 'two', 'three', 'three']);
      for (let i = 1; i < fed.length; i++) expect(fed[i]!.position).toBeGreaterThan(fed[i - 1]!.position);
      expect(fed[0]!.position).toBeGreaterThan(before);
      expect(await storage.lastNotePosition()).toBe(fed.at(-1)!.position);
      expect(await messagesAt(1, 1)).toEqual(['before', 'one', 'three', 'three']);
      expect(await messagesAt(2, 2)).toEqual(['two']);
    });

    it('keeps the order given across a large batch of notes', async () => {
      // Larger than a backend is likely to write in one statement.
      const batch = Array.from({ length: 150 }, (_, i) => ({ latitude: 9, longitude: i % 2, message: `n${i}` }));
      await storage.addNotes(batch);
      expect((await storage.notesAfter(0, 200)).map((note) => note.message)).toEqual(batch.map((note) => note.message));
      expect(await messagesAt(9, 1)).toEqual(batch.filter((note) => note.longitude === 1).slice(-100).map((note) => note.message));
    });

    it('stores nothing for an empty batch of notes', async () => {
      await storage.addNotes([]);
      expect(await storage.lastNotePosition()).toBe(0);
      expect(await storage.notesAfter(0, 10)).toEqual([]);
    });

    it('stores a batch of notes all or nothing: when one note cannot be read, none is stored and the error propagates', async () => {
      await storage.addNotes([{ latitude: 5, longitude: 5, message: 'kept' }]);
      const unreadable = {
        latitude: 5,
        longitude: 5,
        get message(): string {
          throw new Error('note 2: unreadable');
        },
      };
      // Far into the batch, past what a backend is likely to write in one statement.
      const before = Array.from({ length: 100 }, (_, i) => ({ latitude: i % 2 === 0 ? 5 : 6, longitude: i % 2 === 0 ? 5 : 6, message: `n${i}` }));
      await expect(storage.addNotes([...before, unreadable, { latitude: 6, longitude: 6, message: 'after' }])).rejects.toThrow(
        'note 2: unreadable',
      );
      expect(await messagesAt(5, 5)).toEqual(['kept']);
      expect(await messagesAt(6, 6)).toEqual([]);
      expect((await storage.notesAfter(0, 10)).map((note) => note.message)).toEqual(['kept']);
      // The failed batch held nothing back: the next one is stored.
      await storage.addNotes([{ latitude: 5, longitude: 5, message: 'next' }]);
      expect(await messagesAt(5, 5)).toEqual(['kept', 'next']);
    });

    if (reopen) {
      it('makes a batch of notes readable through another storage on the same data as soon as it resolves', async () => {
        const other = reopen();
        try {
          expect(await other.notesAt(8, 8, 10)).toEqual([]);
          await storage.addNotes([
            { latitude: 8, longitude: 8, message: 'a' },
            { latitude: 8, longitude: 8, message: 'b' },
          ]);
          expect((await other.notesAt(8, 8, 10)).map((note) => note.message)).toEqual(['a', 'b']);
          expect((await other.notesAfter(0, 10)).map((note) => note.message)).toEqual(['a', 'b']);
        } finally {
          await other.close();
        }
      });
    }

    it('writes nothing when a synchronous input throws part way, and the error propagates', async () => {
      await storage.insertFeatures([feature(9, 9)]);
      function* failing(): Generator<FeatureRecord> {
        yield feature(1, 1);
        yield feature(2, 2);
        throw new Error('entry 2: bad record');
      }
      await expect(storage.insertFeatures(failing())).rejects.toThrow('entry 2: bad record');
      expect(await all(storage)).toEqual([feature(9, 9)]);
      expect(await storage.countFeatures()).toBe(1);
    });

    it('runs concurrent inserts one after the other in call order: the first keeps a point both hold', async () => {
      const first = pausedInput([feature(1, 1, 'first')], [feature(2, 2)]);
      const firstInsert = storage.insertFeatures(first.input);
      await first.paused;
      const secondInsert = storage.insertFeatures([feature(1, 1, 'second'), feature(3, 3)]);
      first.release();
      expect(await Promise.all([firstInsert, secondInsert])).toEqual([
        { inserted: 2, duplicates: 0 },
        { inserted: 1, duplicates: 1 },
      ]);
      expect(await storage.countFeatures()).toBe(3);
      expect(await all(storage)).toEqual([feature(1, 1, 'first'), feature(2, 2), feature(3, 3)]);
    });

    it('does not let a failed insert hold up the one queued behind it', async () => {
      function* failing(): Generator<FeatureRecord> {
        yield feature(1, 1, 'failed');
        throw new Error('entry 1: bad record');
      }
      const failed = storage.insertFeatures(failing());
      const next = storage.insertFeatures([feature(1, 1, 'next')]);
      await expect(failed).rejects.toThrow('entry 1: bad record');
      expect(await next).toEqual({ inserted: 1, duplicates: 0 });
      expect(await all(storage)).toEqual([feature(1, 1, 'next')]);
    });

    it('prunes the notes stored before the cutoff, says how many, and keeps the rest in order', async () => {
      // The cutoff is compared with the backend's clock when each note was added: fix that clock.
      vi.useFakeTimers({ toFake: ['Date'] });
      try {
        vi.setSystemTime(1_000_000);
        await storage.addNotes([{ latitude: 1, longitude: 1, message: 'old a' }]);
        await storage.addNotes([{ latitude: 2, longitude: 2, message: 'old b' }]);
        vi.setSystemTime(2_000_000);
        await storage.addNotes([{ latitude: 1, longitude: 1, message: 'new a' }]);
        await storage.addNotes([{ latitude: 2, longitude: 2, message: 'new b' }]);
        await storage.addNotes([{ latitude: 1, longitude: 1, message: 'new c' }]);
        expect(await storage.pruneNotes(0)).toBe(0);
        expect(await storage.pruneNotes(2_000_000)).toBe(2);
        expect(await messagesAt(1, 1)).toEqual(['new a', 'new c']);
        expect(await messagesAt(2, 2)).toEqual(['new b']);
        expect(await storage.pruneNotes(2_000_000)).toBe(0);
        expect(await storage.pruneNotes(2_000_001)).toBe(3);
        expect(await messagesAt(1, 1)).toEqual([]);
        expect(await messagesAt(2, 2)).toEqual([]);
      } finally {
        vi.useRealTimers();
      }
    });

    it('feeds notes in the order they were stored, after any position, with positions that only grow', async () => {
      expect(await storage.lastNotePosition()).toBe(0);
      expect(await storage.notesAfter(0, 10)).toEqual([]);
      await storage.addNotes([{ latitude: 1, longitude: 1, message: 'a' }]);
      const afterA = await storage.lastNotePosition();
      await storage.addNotes([{ latitude: 2, longitude: 2, message: 'b' }]);
      await storage.addNotes([{ latitude: 1, longitude: 1, message: 'c' }]);
      const all = await storage.notesAfter(0, 10);
      expect(all.map((note) => note.message)).toEqual(['a', 'b', 'c']);
      expect(all[0]).toMatchObject({ latitude: 1, longitude: 1, message: 'a', position: afterA });
      expect(all[1]!.position).toBeGreaterThan(all[0]!.position);
      expect(all[2]!.position).toBeGreaterThan(all[1]!.position);
      expect(await storage.lastNotePosition()).toBe(all[2]!.position);
      expect((await storage.notesAfter(afterA, 10)).map((note) => note.message)).toEqual(['b', 'c']);
      expect((await storage.notesAfter(0, 2)).map((note) => note.message)).toEqual(['a', 'b']);
      expect(await storage.notesAfter(all[2]!.position, 10)).toEqual([]);
    });

    it('keeps feed positions growing after notes are pruned', async () => {
      vi.useFakeTimers({ toFake: ['Date'] });
      try {
        vi.setSystemTime(1_000_000);
        await storage.addNotes([{ latitude: 1, longitude: 1, message: 'old' }]);
        const old = await storage.lastNotePosition();
        vi.setSystemTime(2_000_000);
        await storage.addNotes([{ latitude: 1, longitude: 1, message: 'new' }]);
        await storage.pruneNotes(2_000_000);
        expect((await storage.notesAfter(0, 10)).map((note) => note.message)).toEqual(['new']);
        await storage.addNotes([{ latitude: 1, longitude: 1, message: 'newer' }]);
        const feed = await storage.notesAfter(old, 10);
        expect(feed.map((note) => note.message)).toEqual(['new', 'newer']);
        expect(feed[1]!.position).toBeGreaterThan(feed[0]!.position);
      } finally {
        vi.useRealTimers();
      }
    });

    it('rejects every call after close() with an error saying it is closed; closing again is fine', async () => {
      await storage.insertFeatures([feature(1, 1)]);
      await storage.close();
      await expect(storage.countFeatures()).rejects.toThrow(CLOSED);
      await expect(storage.insertFeatures([feature(2, 2)])).rejects.toThrow(CLOSED);
      await expect(all(storage)).rejects.toThrow(CLOSED);
      await expect(storage.addNotes([{ latitude: 1, longitude: 1, message: 'late' }])).rejects.toThrow(CLOSED);
      await expect(storage.addNotes([])).rejects.toThrow(CLOSED);
      await expect(storage.notesAt(1, 1, 10)).rejects.toThrow(CLOSED);
      await expect(storage.notesAtEach([{ latitude: 1, longitude: 1 }], 10)).rejects.toThrow(CLOSED);
      await expect(storage.pruneNotes(0)).rejects.toThrow(CLOSED);
      await expect(storage.lastNotePosition()).rejects.toThrow(CLOSED);
      await expect(storage.notesAfter(0, 10)).rejects.toThrow(CLOSED);
      await expect(storage.close()).resolves.toBeUndefined();
    });

    it('stops a scan in progress at its next batch once close() has begun', async () => {
      await storage.insertFeatures([feature(1, 1), feature(2, 2), feature(3, 3), feature(4, 4)]);
      const scan = storage.scanFeatures(2)[Symbol.asyncIterator]();
      expect((await scan.next()).value).toHaveLength(2);
      await storage.close();
      await expect(scan.next()).rejects.toThrow(CLOSED);
    });

    it('waits in close() for the insert in flight, and refuses the inserts queued behind it', async () => {
      const inFlight = pausedInput([feature(1, 1)], [feature(2, 2)]);
      const settled: string[] = [];
      const inserting = storage.insertFeatures(inFlight.input).finally(() => settled.push('insert'));
      await inFlight.paused;
      const queued = storage.insertFeatures([feature(3, 3)]);
      const closing = storage.close().finally(() => settled.push('close'));
      // Calls made once close() has begun are refused at once.
      await expect(storage.countFeatures()).rejects.toThrow(CLOSED);
      inFlight.release();
      expect(await inserting).toEqual({ inserted: 2, duplicates: 0 });
      await expect(queued).rejects.toThrow(CLOSED);
      await closing;
      expect(settled).toEqual(['insert', 'close']);
      if (reopen) {
        storage = reopen();
        expect(await all(storage)).toEqual([feature(1, 1), feature(2, 2)]);
      }
    });

    if (reopen) {
      it('keeps features and notes after close and reopen', async () => {
        await storage.insertFeatures([feature(7, 7, 'kept')]);
        await storage.addNotes([{ latitude: 7, longitude: 7, message: 'still here' }]);
        await storage.close();
        storage = reopen();
        expect(await all(storage)).toEqual([feature(7, 7, 'kept')]);
        expect((await storage.notesAt(7, 7, 5)).map((n) => n.message)).toEqual(['still here']);
      });
    }
  });
}

/** An async input that yields `before`, then waits for `release()` before it yields `after`. */
function pausedInput(
  before: readonly FeatureRecord[],
  after: readonly FeatureRecord[],
): { input: AsyncIterable<FeatureRecord>; paused: Promise<void>; release: () => void } {
  let reached!: () => void;
  const paused = new Promise<void>((resolve) => (reached = resolve));
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  async function* input(): AsyncGenerator<FeatureRecord> {
    yield* before;
    reached();
    await released;
    yield* after;
  }
  return { input: input(), paused, release };
}
