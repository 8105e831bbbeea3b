import { randomBytes } from 'node:crypto';
import { pointKey } from '../geo/point-key.js';
import { createSerialQueue } from './serial-queue.js';
import { StorageClosedError } from './errors.js';
import type { CommittedImport, FeatureRecord, FeedNote, InsertSummary, Storage, StoredNote } from './storage.js';

/** 32 random hex digits, like the databases' identities and import tokens. */
function randomHex(): string {
  return randomBytes(16).toString('hex');
}

/** Options for the memory backend (`memory:`). It has none yet: everything is lost on exit. */
export type MemoryStorageOptions = Record<string, never>;

/** A process-local backend: for tests, demos and throwaway servers. */
export function createMemoryStorage(_options: MemoryStorageOptions = {}): Storage {
  const features = new Map<string, FeatureRecord>();
  // Each note keeps the time it was added, for pruneNotes.
  const notes = new Map<string, (StoredNote & { readonly createdAt: number })[]>();
  // The note feed: every note in the order stored, with its position (for notesAfter and pruneNotes).
  let feed: (FeedNote & { readonly createdAt: number })[] = [];
  let lastPosition = 0;
  // One insert at a time, so that one never stages against features another is about to write.
  const inserts = createSerialQueue();
  let closing: Promise<void> | undefined;
  // The import feed: each committed import's features, by position (commit order is call order here).
  const imports: FeatureRecord[][] = [];
  // Random, as a database's are: this storage's identity, and each import's token (by position - 1).
  const identity = randomHex();
  const importTokens: string[] = [];
  const listeners = new Set<() => void>();

  /** One process: a commit is announced at once, after the write that made it. */
  function changed(): void {
    queueMicrotask(() => {
      for (const listener of listeners) listener();
    });
  }

  function assertOpen(): void {
    if (closing !== undefined) throw new StorageClosedError('memory storage');
  }

  function notesAtNow(latitude: number, longitude: number, limit: number): StoredNote[] {
    const list = notes.get(pointKey(latitude, longitude)) ?? [];
    if (limit <= 0) return [];
    return list.slice(-limit).map(({ latitude: lat, longitude: lng, message }) => ({ latitude: lat, longitude: lng, message }));
  }

  async function insertNow(input: Iterable<FeatureRecord> | AsyncIterable<FeatureRecord>): Promise<InsertSummary> {
    // Queued inserts that had not started when close() began are refused here.
    assertOpen();
    // Stage everything first so that a failing input leaves the map untouched.
    const staged = new Map<string, FeatureRecord>();
    let duplicates = 0;
    for await (const feature of input) {
      const key = pointKey(feature.latitude, feature.longitude);
      if (features.has(key) || staged.has(key)) {
        duplicates++;
        continue;
      }
      staged.set(key, { name: feature.name, latitude: feature.latitude, longitude: feature.longitude });
    }
    for (const [key, feature] of staged) features.set(key, feature);
    imports.push([...staged.values()]);
    importTokens.push(randomHex());
    changed();
    return { inserted: staged.size, duplicates };
  }

  return {
    scheme: 'memory',

    async countFeatures() {
      assertOpen();
      return features.size;
    },

    async hasFeatures() {
      assertOpen();
      return features.size > 0;
    },

    async identity() {
      assertOpen();
      return identity;
    },

    async importToken(position) {
      assertOpen();
      return Number.isInteger(position) && position > 0 ? importTokens[position - 1] : undefined;
    },

    async insertFeatures(input) {
      assertOpen();
      return inserts.run(() => insertNow(input));
    },

    async *scanFeatures(batchSize = 10_000) {
      assertOpen();
      let batch: FeatureRecord[] = [];
      for (const feature of features.values()) {
        batch.push(feature);
        if (batch.length >= batchSize) {
          yield batch;
          // The scan pauses at each batch: once closed, it stops there.
          assertOpen();
          batch = [];
        }
      }
      if (batch.length > 0) yield batch;
    },

    async addNotes(batch) {
      assertOpen();
      // Read every note first, so that one that cannot be read leaves nothing stored: all or nothing.
      const createdAt = Date.now();
      const staged = batch.map(({ latitude, longitude, message }) => ({ latitude, longitude, message, createdAt }));
      for (const stored of staged) {
        const key = pointKey(stored.latitude, stored.longitude);
        const list = notes.get(key);
        if (list) list.push(stored);
        else notes.set(key, [stored]);
        feed.push({ ...stored, position: ++lastPosition });
      }
      if (staged.length > 0) changed();
    },

    async lastImportPosition() {
      assertOpen();
      return imports.length;
    },

    async importsAfter(position, limit) {
      assertOpen();
      const first = Math.max(0, Math.floor(position));
      const after: CommittedImport[] = [];
      for (let at = first + 1; at <= imports.length && after.length < limit; at++) after.push({ position: at });
      return after;
    },

    async *scanImport(position, batchSize = 10_000) {
      assertOpen();
      const stored = imports[position - 1] ?? [];
      for (let start = 0; start < stored.length; start += batchSize) {
        yield stored.slice(start, start + batchSize);
        assertOpen();
      }
    },

    onChange(listener) {
      assertOpen();
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    async lastNotePosition() {
      assertOpen();
      return lastPosition;
    },

    async notesAfter(position, limit) {
      assertOpen();
      // Positions grow along the feed: find the first one past `position` by bisection.
      let low = 0;
      let high = feed.length;
      while (low < high) {
        const middle = (low + high) >>> 1;
        if (feed[middle]!.position <= position) low = middle + 1;
        else high = middle;
      }
      return feed.slice(low, low + Math.max(0, limit)).map(({ latitude, longitude, message, position: at }) => ({
        latitude,
        longitude,
        message,
        position: at,
      }));
    },

    async notesAt(latitude, longitude, limit) {
      assertOpen();
      return notesAtNow(latitude, longitude, limit);
    },

    async notesAtEach(points, limit) {
      assertOpen();
      return points.map(({ latitude, longitude }) => notesAtNow(latitude, longitude, limit));
    },

    async pruneNotes(cutoff) {
      assertOpen();
      let deleted = 0;
      for (const [key, list] of notes) {
        // Lists are in arrival order, so the old notes are a prefix.
        let old = 0;
        while (old < list.length && list[old]!.createdAt < cutoff) old++;
        if (old === 0) continue;
        deleted += old;
        if (old === list.length) notes.delete(key);
        else notes.set(key, list.slice(old));
      }
      if (deleted > 0) feed = feed.filter((note) => note.createdAt >= cutoff);
      return deleted;
    },

    close() {
      // Waits for the insert in flight; the ones queued behind it are refused by insertNow.
      listeners.clear();
      closing ??= inserts.idle();
      return closing;
    },
  };
}
