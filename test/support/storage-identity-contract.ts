import { afterEach, describe, expect, it } from 'vitest';
import type { FeatureRecord, Storage } from '../../src/storage/storage.js';
import { CLOSED } from './storage-contract.js';

/** 32 hex digits: the form of an identity and of an import token. */
const RANDOM_ID = /^[0-9a-f]{32}$/;

/**
 * The storage contract's identity: what an index file records to know the state it was built from
 * (the database's id, and the token of the import at a feed position). Written once and run unchanged
 * against every backend. `open` returns a fresh, empty database of its own at each call; `reopen`
 * (if the backend persists) opens the database of the last `open` again.
 */
export function describeStorageIdentityContract(backend: string, open: () => Storage | Promise<Storage>, reopen?: () => Storage): void {
  describe(`Storage contract, identity: ${backend}`, () => {
    const opened: Storage[] = [];
    const track = async (storage: Storage | Promise<Storage>): Promise<Storage> => {
      const resolved = await storage;
      opened.push(resolved);
      return resolved;
    };
    const feature = (latitude: number, longitude: number): FeatureRecord => ({ latitude, longitude, name: `f ${latitude},${longitude}` });
    afterEach(async () => {
      for (const each of opened.splice(0)) await each.close();
    });

    it('has an identity of 32 hex digits that stays the same across calls and imports', async () => {
      const storage = await track(open());
      const identity = await storage.identity();
      expect(identity).toMatch(RANDOM_ID);
      await storage.insertFeatures([feature(1, 1)]);
      expect(await storage.identity()).toBe(identity);
    });

    it('gives two databases different identities', async () => {
      const first = await track(open());
      const second = await track(open());
      expect(await first.identity()).not.toBe(await second.identity());
    });

    it('gives each committed import a token of its own, the same at every read', async () => {
      const storage = await track(open());
      await storage.insertFeatures([feature(1, 1)]);
      const first = await storage.lastImportPosition();
      // An import that stores nothing (all duplicates) still commits at a position, with its token.
      await storage.insertFeatures([feature(1, 1)]);
      const second = await storage.lastImportPosition();
      const tokens = [await storage.importToken(first), await storage.importToken(second)];
      expect(tokens[0]).toMatch(RANDOM_ID);
      expect(tokens[1]).toMatch(RANDOM_ID);
      expect(tokens[0]).not.toBe(tokens[1]);
      expect([await storage.importToken(first), await storage.importToken(second)]).toEqual(tokens);
    });

    it('has no token where no import committed: position 0, past the last import, not a whole number', async () => {
      const storage = await track(open());
      expect(await storage.importToken(1)).toBeUndefined();
      await storage.insertFeatures([feature(1, 1)]);
      const last = await storage.lastImportPosition();
      expect(await storage.importToken(0)).toBeUndefined();
      expect(await storage.importToken(last + 1)).toBeUndefined();
      expect(await storage.importToken(last + 0.5)).toBeUndefined();
    });

    it('gives the first import of two databases different tokens', async () => {
      const first = await track(open());
      const second = await track(open());
      await first.insertFeatures([feature(1, 1)]);
      await second.insertFeatures([feature(1, 1)]);
      expect(await first.lastImportPosition()).toBe(await second.lastImportPosition());
      const position = await first.lastImportPosition();
      expect(await first.importToken(position)).not.toBe(await second.importToken(position));
    });

    if (reopen) {
      it('keeps its identity and every token after close and reopen', async () => {
        const storage = await track(open());
        await storage.insertFeatures([feature(1, 1)]);
        const position = await storage.lastImportPosition();
        const before = { identity: await storage.identity(), token: await storage.importToken(position) };
        await storage.close();
        const again = await track(reopen());
        expect({ identity: await again.identity(), token: await again.importToken(position) }).toEqual(before);
      });
    }

    it('rejects the identity calls after close() with the closed error', async () => {
      const storage = await track(open());
      await storage.close();
      await expect(storage.identity()).rejects.toThrow(CLOSED);
      await expect(storage.importToken(1)).rejects.toThrow(CLOSED);
      await expect(storage.hasFeatures()).rejects.toThrow(CLOSED);
    });
  });
}
