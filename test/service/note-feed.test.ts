import { describe, expect, it } from 'vitest';
import { createNoteFeed } from '../../src/service/note-feed.js';
import { createMemoryStorage } from '../../src/storage/memory.js';
import type { Storage, StoredNote } from '../../src/storage/storage.js';
import { eventually } from '../support/wait.js';

const WORLD = { lo: { latitude: -900000000, longitude: -1800000000 }, hi: { latitude: 900000000, longitude: 1800000000 } };
const notes = (count: number, prefix: string): StoredNote[] =>
  Array.from({ length: count }, (_, i) => ({ latitude: i % 90, longitude: 0, message: `${prefix} ${i}` }));

/** A memory storage that counts feed reads, can fail them, and can hold lastNotePosition back. */
function instrumented() {
  const inner = createMemoryStorage();
  let feedReads = 0;
  let failReads: Error | undefined;
  let gate: Promise<void> = Promise.resolve();
  const storage: Storage = {
    ...inner,
    async notesAfter(position, limit) {
      feedReads++;
      if (failReads) throw failReads;
      return inner.notesAfter(position, limit);
    },
    async lastNotePosition() {
      const position = await inner.lastNotePosition();
      await gate;
      return position;
    },
  };
  return {
    storage,
    inner,
    feedReads: () => feedReads,
    failReads(error: Error | undefined): void {
      failReads = error;
    },
    holdStart(): () => void {
      let release!: () => void;
      gate = new Promise<void>((resolve) => (release = resolve));
      return release;
    },
  };
}

function unexpectedReadError(error: unknown): never {
  throw new Error(`the note feed reported a read error: ${String(error)}`);
}

/** Reads a watch in the background, collecting messages and how it ended. */
function collect(watch: AsyncIterable<{ message: string }>) {
  const received: string[] = [];
  let ended: unknown;
  void (async () => {
    try {
      for await (const note of watch) received.push(note.message);
    } catch (error) {
      ended = error;
    }
  })();
  return { received, ended: () => ended };
}

describe('the note feed (in process)', () => {
  it('reads nothing back from storage while nobody watches, and a watch that starts later still gets every later note', async () => {
    const { storage, feedReads } = instrumented();
    const feed = createNoteFeed({ storage, watchBuffer: 50, onReadError: unexpectedReadError });
    await feed.storage.addNotes(notes(500, 'unwatched'));
    expect(feedReads()).toBe(0);
    const call = new AbortController();
    const watch = collect(feed.watch(WORLD, { signal: call.signal }));
    await feed.storage.addNotes(notes(3, 'watched'));
    await eventually(() => watch.received.length === 3, 5000, 'three notes');
    expect(watch.received).toEqual(['watched 0', 'watched 1', 'watched 2']);
    expect(watch.ended()).toBeUndefined();
    call.abort();
  });

  it('hands a watch none of the notes stored unwatched before it began, even when notes are stored while its start is read', async () => {
    const { storage, holdStart } = instrumented();
    const feed = createNoteFeed({ storage, watchBuffer: 50, onReadError: unexpectedReadError });
    // A first watch, so that the feed reads and its head is current; then it ends.
    const first = new AbortController();
    const firstWatch = collect(feed.watch(WORLD, { signal: first.signal }));
    await feed.storage.addNotes(notes(1, 'first'));
    await eventually(() => firstWatch.received.length === 1, 5000, 'the first watch to get its note');
    first.abort();
    await eventually(() => firstWatch.ended() !== undefined, 5000, 'the first watch to end');
    // Far more notes than the watch buffer, stored while nobody watches: the head stays behind them.
    await feed.storage.addNotes(notes(500, 'unwatched'));
    const release = holdStart();
    const call = new AbortController();
    const watch = collect(feed.watch(WORLD, { signal: call.signal }));
    // Stored while the watch's start position is being read: it began before these, so they are its own.
    await feed.storage.addNotes(notes(2, 'during the start'));
    release();
    await feed.storage.addNotes(notes(1, 'after'));
    await eventually(() => watch.received.length === 3 || watch.ended() !== undefined, 5000, 'three notes or an end');
    expect(watch.ended()).toBeUndefined();
    expect(watch.received).toEqual(['during the start 0', 'during the start 1', 'after 0']);
    call.abort();
  });

  it('reports a failed read of the feed with its position, and delivers the notes it missed at the next change', async () => {
    const { storage, inner, failReads } = instrumented();
    const reported: { error: unknown; after: number }[] = [];
    const feed = createNoteFeed({ storage, watchBuffer: 50, onReadError: (error, after) => reported.push({ error, after }) });
    const call = new AbortController();
    const watch = collect(feed.watch(WORLD, { signal: call.signal }));
    await feed.storage.addNotes(notes(1, 'before'));
    await eventually(() => watch.received.length === 1, 5000, 'the first note');
    const outage = new Error('database is locked');
    failReads(outage);
    await feed.storage.addNotes(notes(2, 'during the failure'));
    await eventually(() => reported.length > 0, 5000, 'the read error to be reported');
    expect(reported[0]).toEqual({ error: outage, after: 1 });
    expect(watch.received).toEqual(['before 0']);
    failReads(undefined);
    // Another server's note: the storage signals a change, and the feed reads again from where it failed.
    await inner.addNotes(notes(1, 'from elsewhere'));
    await eventually(() => watch.received.length === 4, 5000, 'the missed notes and the new one');
    expect(watch.received).toEqual(['before 0', 'during the failure 0', 'during the failure 1', 'from elsewhere 0']);
    expect(watch.ended()).toBeUndefined();
    call.abort();
    await feed.close();
  });

  it('close() waits for a read of the feed in flight, so storage is never closed under it', async () => {
    const { storage } = instrumented();
    let releaseRead!: () => void;
    let readStarted = false;
    const slowStorage: Storage = {
      ...storage,
      async notesAfter(position, limit) {
        readStarted = true;
        await new Promise<void>((resolve) => (releaseRead = resolve));
        return storage.notesAfter(position, limit);
      },
    };
    const feed = createNoteFeed({ storage: slowStorage, watchBuffer: 50, onReadError: unexpectedReadError });
    const call = new AbortController();
    collect(feed.watch(WORLD, { signal: call.signal }));
    await feed.storage.addNotes(notes(1, 'note'));
    await eventually(() => readStarted, 5000, 'the feed to start reading');
    let closed = false;
    const closing = feed.close().then(() => (closed = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(closed).toBe(false);
    releaseRead();
    await closing;
    call.abort();
  });
});
