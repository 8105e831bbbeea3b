import type { RouteNote } from '../gen/messages/route_guide.js';
import type { FeedNote, Storage } from '../storage/storage.js';
import { CallAborted, Code, RouteGuideError } from './errors.js';
import type { CallContext } from './route-guide.js';
import type { ValidRectangle } from './validation.js';

/** Notes read from the storage's feed per query. */
const FEED_PAGE = 1000;

export interface NoteFeedOptions {
  readonly storage: Storage;
  /** Notes a watcher may fall behind before its watch ends with RESOURCE_EXHAUSTED. */
  readonly watchBuffer: number;
  /**
   * Told when a read of the feed fails (`after`: the position it read from). The watches keep
   * waiting, and the next store or change signal reads again from that position, so no note is lost.
   */
  readonly onReadError: (error: unknown, after: number) => void;
}

/** The notes of one watch, and how it fails while its reader is busy elsewhere. */
export interface NoteWatch extends AsyncIterable<RouteNote> {
  /**
   * Rejects (with RESOURCE_EXHAUSTED) as soon as the reader has fallen more than the buffer behind,
   * even while it is still busy writing an earlier note; never resolves.
   */
  readonly failure: Promise<never>;
}

/**
 * WatchNotes' source: the storage's note feed (notes after a position, in storage order), read
 * whenever this process stores a note (at once) and whenever the storage signals a change (notes
 * stored through other servers: SQLite within its poll interval), and handed to each watch whose
 * rectangle holds the note.
 */
export interface NoteFeed {
  /** The storage to store notes through: its addNotes wakes the feed once the notes are committed. */
  readonly storage: Storage;
  /** The notes stored from now on inside the rectangle, in storage order, each once. */
  watch(rectangle: ValidRectangle, context: CallContext): NoteWatch;
  /** Stops listening for notes stored by other processes, and waits for a read in flight. */
  close(): Promise<void>;
}

interface Watcher {
  /** Notes at or before this position were stored before the watch began. */
  from: number;
  readonly minLatitude: number;
  readonly maxLatitude: number;
  readonly minLongitude: number;
  readonly maxLongitude: number;
  readonly queue: FeedNote[];
  /** Set when the reader fell too far behind. */
  overflowed: boolean;
  /** Wakes the reader waiting for a note. */
  wake: (() => void) | undefined;
  /** Rejects the watch's failure promise. */
  fail: (error: RouteGuideError) => void;
}

function holds(watcher: Watcher, note: FeedNote): boolean {
  return (
    note.latitude >= watcher.minLatitude &&
    note.latitude <= watcher.maxLatitude &&
    note.longitude >= watcher.minLongitude &&
    note.longitude <= watcher.maxLongitude
  );
}

export function createNoteFeed(options: NoteFeedOptions): NoteFeed {
  const { storage, watchBuffer, onReadError } = options;
  const overflowError = (): RouteGuideError =>
    new RouteGuideError(
      Code.RESOURCE_EXHAUSTED,
      `the watch fell more than ${watchBuffer} notes behind; read faster or watch a smaller rectangle`,
    );
  const watchers = new Set<Watcher>();
  /** The last position read from the feed and handed out. */
  let head = 0;
  let reading: Promise<void> | undefined;
  let again = false;
  /** Watches whose start position is still being read: reading waits for them (`deferred`). */
  let starting = 0;
  let deferred = false;

  function deliver(note: FeedNote): void {
    for (const watcher of watchers) {
      if (note.position <= watcher.from || watcher.overflowed || !holds(watcher, note)) continue;
      if (watcher.queue.length >= watchBuffer) {
        // The buffer stays bounded: the watch ends instead of growing without limit.
        watcher.overflowed = true;
        watcher.queue.length = 0;
        watcher.fail(overflowError());
      } else {
        watcher.queue.push(note);
      }
      watcher.wake?.();
    }
  }

  /** Reads the feed past `head` until it is caught up; one reader at a time, re-run when woken meanwhile. */
  function read(): void {
    // Nobody to hand notes to: reading them back would cost as much as storing them. The head
    // catches up when the next watch has started (see `started`).
    if (watchers.size === 0) return;
    // A starting watch would be handed notes from before its start (with a stale head, any number).
    if (starting > 0) {
      deferred = true;
      return;
    }
    if (reading) {
      again = true;
      return;
    }
    reading = (async () => {
      do {
        again = false;
        if (watchers.size === 0) {
          // Nobody is owed any note: skip to the end rather than read notes no one will get.
          const last = await storage.lastNotePosition();
          // A watch that began meanwhile reads its own start position after registering; leave it the notes.
          if (watchers.size === 0) {
            head = Math.max(head, last);
            continue;
          }
        }
        for (;;) {
          const notes = await storage.notesAfter(head, FEED_PAGE);
          for (const note of notes) {
            // Never backwards: a watch that starts may move the head on past notes nobody watches.
            head = Math.max(head, note.position);
            if (watchers.size > 0) deliver(note);
          }
          if (notes.length < FEED_PAGE) break;
        }
      } while (again);
    })()
      .catch((error: unknown) => {
        // The watches keep waiting; the next store or change signal reads again from `head`.
        onReadError(error, head);
      })
      .finally(() => {
        reading = undefined;
      });
  }

  /**
   * A watch's start position is read. Once no watch is starting, the head skips to the earliest
   * start among the watches: nobody is owed the notes before it.
   */
  function started(): void {
    starting--;
    if (starting > 0) return;
    if (watchers.size > 0) head = Math.max(head, Math.min(...[...watchers].map((watcher) => watcher.from)));
    if (deferred) {
      deferred = false;
      read();
    }
  }

  // Notes stored through any other server on the same storage.
  const unsubscribe = storage.onChange(read);

  const wrapped: Storage = {
    ...storage,
    async addNotes(notes) {
      await storage.addNotes(notes);
      // One read of the feed per commit, however many notes it held.
      read();
    },
  };

  return {
    storage: wrapped,
    async close() {
      unsubscribe();
      await reading;
    },

    watch({ lo, hi }, { signal }) {
      let fail!: (error: RouteGuideError) => void;
      const failure = new Promise<never>((_resolve, reject) => (fail = reject));
      // Whoever does not listen for it still reads the same error from the iteration.
      failure.catch(() => {});
      // Registered at once, so that no note delivered while the start position is read is lost.
      const watcher: Watcher = {
        from: head,
        minLatitude: Math.min(lo.latitude, hi.latitude),
        maxLatitude: Math.max(lo.latitude, hi.latitude),
        minLongitude: Math.min(lo.longitude, hi.longitude),
        maxLongitude: Math.max(lo.longitude, hi.longitude),
        queue: [],
        overflowed: false,
        wake: undefined,
        fail,
      };
      watchers.add(watcher);
      // The watch begins here: notes stored up to now (by this process or another) are not its own.
      // Read at once, not when first iterated, so that the feed never waits on an idle iterator.
      starting++;
      const start = storage
        .lastNotePosition()
        .then((last) => {
          if (last > watcher.from) {
            watcher.from = last;
            const later = watcher.queue.filter((note) => note.position > last);
            watcher.queue.length = 0;
            watcher.queue.push(...later);
          }
        })
        .finally(started);
      // The iteration reads a failure to start; this only keeps it from counting as unhandled first.
      start.catch(() => {});
      const onAbort = (): void => watcher.wake?.();
      signal.addEventListener('abort', onAbort);
      const notes = (async function* (): AsyncGenerator<RouteNote> {
        try {
          await start;
          for (;;) {
            if (signal.aborted) throw new CallAborted();
            if (watcher.overflowed) throw overflowError();
            const next = watcher.queue.shift();
            if (next !== undefined) {
              yield { location: { latitude: next.latitude, longitude: next.longitude }, message: next.message };
              continue;
            }
            await new Promise<void>((resolve) => {
              watcher.wake = resolve;
            });
            watcher.wake = undefined;
          }
        } finally {
          watchers.delete(watcher);
          signal.removeEventListener('abort', onAbort);
        }
      })();
      return { [Symbol.asyncIterator]: () => notes, failure };
    },
  };
}
