import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FeatureRecord, Storage } from '../../src/storage/storage.js';
import { CLOSED } from './storage-contract.js';

/**
 * The storage contract's two feeds, which servers sharing one storage follow: the import feed (live
 * indexes) and the note feed with its change signal (WatchNotes across servers). Written once and run
 * unchanged against every backend. `open` returns a fresh, empty storage; `openSibling` (for a
 * backend that several processes share) opens the same data again while the first stays open, as a
 * second server would.
 */
export function describeStorageFeedsContract(backend: string, open: () => Storage, openSibling?: () => Storage): void {
  describe(`Storage contract, feeds: ${backend}`, () => {
    let storage: Storage;
    const opened: Storage[] = [];
    const feature = (latitude: number, longitude: number, name = `f ${latitude},${longitude}`): FeatureRecord => ({
      latitude,
      longitude,
      name,
    });
    const importedAt = async (from: Storage, position: number, batchSize?: number): Promise<FeatureRecord[]> => {
      const out: FeatureRecord[] = [];
      for await (const batch of from.scanImport(position, batchSize)) out.push(...batch);
      return out.sort((a, b) => a.latitude - b.latitude || a.longitude - b.longitude);
    };
    /** Resolves at the first change signal after it is called (the test's own timeout bounds the wait). */
    const nextChange = (on: Storage): Promise<void> =>
      new Promise((resolve) => {
        const stop = on.onChange(() => {
          stop();
          resolve();
        });
      });

    beforeEach(() => {
      storage = open();
      opened.push(storage);
    });
    afterEach(async () => {
      for (const each of opened.splice(0)) await each.close();
    });

    it('starts the import feed empty', async () => {
      expect(await storage.lastImportPosition()).toBe(0);
      expect(await storage.importsAfter(0, 10)).toEqual([]);
      expect(await importedAt(storage, 1)).toEqual([]);
    });

    it('feeds committed imports in commit order, each with exactly the features it stored', async () => {
      await storage.insertFeatures([feature(1, 1), feature(2, 2)]);
      const first = await storage.lastImportPosition();
      // (2, 2) is a duplicate: the second import stores only (3, 3).
      await storage.insertFeatures([feature(2, 2, 'again'), feature(3, 3)]);
      const imports = await storage.importsAfter(0, 10);
      expect(imports).toHaveLength(2);
      expect(imports[0]!.position).toBe(first);
      expect(imports[1]!.position).toBeGreaterThan(first);
      expect(await storage.lastImportPosition()).toBe(imports[1]!.position);
      expect(await storage.importsAfter(first, 10)).toEqual([imports[1]]);
      expect(await storage.importsAfter(0, 1)).toEqual([imports[0]]);
      expect(await storage.importsAfter(imports[1]!.position, 10)).toEqual([]);
      expect(await importedAt(storage, first, 1)).toEqual([feature(1, 1), feature(2, 2)]);
      expect(await importedAt(storage, imports[1]!.position)).toEqual([feature(3, 3)]);
    });

    it('leaves a failed import out of the import feed', async () => {
      async function* failing(): AsyncGenerator<FeatureRecord> {
        yield feature(1, 1);
        throw new Error('entry 1: bad record');
      }
      await expect(storage.insertFeatures(failing())).rejects.toThrow('entry 1: bad record');
      expect(await storage.lastImportPosition()).toBe(0);
      await storage.insertFeatures([feature(2, 2)]);
      const [only] = await storage.importsAfter(0, 10);
      expect(await importedAt(storage, only!.position)).toEqual([feature(2, 2)]);
    });

    it('leaves an import out of the import feed until it commits', async () => {
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      let reached!: () => void;
      const paused = new Promise<void>((resolve) => (reached = resolve));
      async function* slow(): AsyncGenerator<FeatureRecord> {
        yield feature(1, 1);
        reached();
        await released;
        yield feature(2, 2);
      }
      const inserting = storage.insertFeatures(slow());
      await paused;
      expect(await storage.lastImportPosition()).toBe(0);
      expect(await storage.importsAfter(0, 10)).toEqual([]);
      release();
      await inserting;
      const [committed] = await storage.importsAfter(0, 10);
      expect(await importedAt(storage, committed!.position)).toEqual([feature(1, 1), feature(2, 2)]);
    });

    it('signals a change after a note is stored and after an import commits', async () => {
      const afterNote = nextChange(storage);
      await storage.addNotes([{ latitude: 1, longitude: 1, message: 'hello' }]);
      await afterNote;
      const afterImport = nextChange(storage);
      await storage.insertFeatures([feature(1, 1)]);
      await afterImport;
    });

    it('stops signalling a listener once it unsubscribes', async () => {
      let calls = 0;
      const stop = storage.onChange(() => calls++);
      stop();
      stop();
      const other = nextChange(storage);
      await storage.addNotes([{ latitude: 1, longitude: 1, message: 'unheard' }]);
      await other;
      expect(calls).toBe(0);
    });

    it('rejects the feed calls after close() with an error saying it is closed', async () => {
      await storage.close();
      await expect(storage.lastImportPosition()).rejects.toThrow(CLOSED);
      await expect(storage.importsAfter(0, 10)).rejects.toThrow(CLOSED);
      await expect(importedAt(storage, 1)).rejects.toThrow(CLOSED);
      expect(() => storage.onChange(() => {})).toThrow(CLOSED);
    });

    if (openSibling) {
      const sibling = (): Storage => {
        const other = openSibling();
        opened.push(other);
        return other;
      };

      it('signals notes and imports committed through another storage on the same data, and feeds them', async () => {
        const other = sibling();
        const noteSeen = nextChange(storage);
        await other.addNotes([{ latitude: 4, longitude: 4, message: 'from elsewhere' }]);
        await noteSeen;
        expect((await storage.notesAfter(0, 10)).map((note) => note.message)).toEqual(['from elsewhere']);
        const importSeen = nextChange(storage);
        await other.insertFeatures([feature(5, 5)]);
        await importSeen;
        const [fed] = await storage.importsAfter(0, 10);
        expect(await importedAt(storage, fed!.position)).toEqual([feature(5, 5)]);
      }, 20_000);

      it('gives imports committed through different storages positions in commit order', async () => {
        const other = sibling();
        await storage.insertFeatures([feature(1, 1)]);
        await other.insertFeatures([feature(2, 2)]);
        await storage.insertFeatures([feature(3, 3)]);
        const imports = await other.importsAfter(0, 10);
        const features = await Promise.all(imports.map(({ position }) => importedAt(other, position)));
        expect(features).toEqual([[feature(1, 1)], [feature(2, 2)], [feature(3, 3)]]);
      });
    }
  });
}
