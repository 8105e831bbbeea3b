import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Storage, StoredFeature } from '../../src/storage/storage.js';

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
    const feature = (latitude: number, longitude: number, name = `f ${latitude},${longitude}`): StoredFeature => ({
      latitude,
      longitude,
      name,
    });
    const all = async (s: Storage): Promise<StoredFeature[]> => {
      const out: StoredFeature[] = [];
      for await (const batch of s.scanFeatures(3)) out.push(...batch);
      return out.sort((a, b) => a.latitude - b.latitude || a.longitude - b.longitude);
    };

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
      await storage.addNote({ latitude: 1, longitude: 1, message: 'a' });
      await storage.addNote({ latitude: 1, longitude: 2, message: 'elsewhere' });
      await storage.addNote({ latitude: 1, longitude: 1, message: 'b' });
      await storage.addNote({ latitude: 1, longitude: 1, message: '' });
      expect((await storage.notesAt(1, 1, 10)).map((n) => n.message)).toEqual(['a', 'b', '']);
      expect(await storage.notesAt(1, 2, 10)).toEqual([{ latitude: 1, longitude: 2, message: 'elsewhere' }]);
    });

    it('caps notes at the most recent `limit`, still oldest first', async () => {
      for (let i = 0; i < 7; i++) await storage.addNote({ latitude: 3, longitude: 3, message: `m${i}` });
      expect((await storage.notesAt(3, 3, 3)).map((n) => n.message)).toEqual(['m4', 'm5', 'm6']);
      expect(await storage.notesAt(3, 3, 0)).toEqual([]);
    });

    it('keeps note text byte for byte, including non-ASCII', async () => {
      const message = 'café ☕ 東京 — "quoted", \n newline';
      await storage.addNote({ latitude: 4, longitude: 4, message });
      expect((await storage.notesAt(4, 4, 1))[0]?.message).toBe(message);
    });

    if (reopen) {
      it('keeps features and notes after close and reopen', async () => {
        await storage.insertFeatures([feature(7, 7, 'kept')]);
        await storage.addNote({ latitude: 7, longitude: 7, message: 'still here' });
        await storage.close();
        storage = reopen();
        expect(await all(storage)).toEqual([feature(7, 7, 'kept')]);
        expect((await storage.notesAt(7, 7, 5)).map((n) => n.message)).toEqual(['still here']);
      });
    }
  });
}
