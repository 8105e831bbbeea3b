import { PointTable } from '../geo/point-table.js';
import type { Storage, StoredNote } from '../storage/storage.js';

/** The replay of a note with no earlier note at its location: one array, shared, never changed. */
const NO_REPLAY: readonly StoredNote[] = Object.freeze([]);

/** The most notes committed in one transaction; more wait for the next one, which follows at once. */
export const MAX_NOTES_PER_COMMIT = 1024;

export interface GroupCommitOptions {
  /** Where the notes go: every commit is one `addNotes` call. */
  readonly storage: Storage;
  /** The most earlier notes a note is answered with (RouteChat's --replay-limit). */
  readonly replayLimit: number;
}

/**
 * Where a note went: its batch's commit, which resolves with every note's replay in batch order
 * (or rejects, for all of them alike), and the note's place in that batch. One promise per batch
 * rather than per note: a RouteChat stream hands in notes by the hundred.
 */
export interface Placement {
  readonly committed: Promise<readonly (readonly StoredNote[])[]>;
  readonly index: number;
}

/**
 * The one way RouteChat and PostNote store notes. Notes handed in while a commit is in flight, or
 * in the same event-loop turn, from one stream or many, are committed together in the next
 * transaction, in the order handed in. Batches commit one after another, in order: once a note's
 * commit has settled, so has every note's handed in before it.
 */
export interface GroupCommit {
  /**
   * Resolves once the note is committed, with the notes stored earlier at its location (oldest
   * first, at most the replay limit): those committed before its transaction, then those ahead of
   * it in the same transaction. Rejects, as every note of that transaction does, with the error
   * that failed it; then none of them is stored.
   */
  store(note: StoredNote): Promise<readonly StoredNote[]>;
  /**
   * The same, answered through the note's batch: `(await committed)[index]` is what `store`
   * resolves with. The batch's promise never counts as an unhandled rejection; whoever awaits it
   * gets the error. The note is kept as given, without a copy (RouteChat hands in hundreds of
   * thousands a second): hand in a plain object of its own, and do not change it.
   */
  place(note: StoredNote): Placement;
}

/** Notes waiting for one commit, and that commit's outcome. */
interface Batch {
  readonly notes: StoredNote[];
  readonly committed: Promise<readonly (readonly StoredNote[])[]>;
  readonly resolve: (replays: readonly (readonly StoredNote[])[]) => void;
  readonly reject: (error: unknown) => void;
}

function openBatch(): Batch {
  let resolve!: (replays: readonly (readonly StoredNote[])[]) => void;
  let reject!: (error: unknown) => void;
  const committed = new Promise<readonly (readonly StoredNote[])[]>((resolveBatch, rejectBatch) => {
    resolve = resolveBatch;
    reject = rejectBatch;
  });
  // The error reaches whoever awaits it; a batch whose notes nobody awaits any longer (a chat that
  // ended early) must not count as unhandled.
  committed.catch(() => {});
  return { notes: [], committed, resolve, reject };
}

export function createGroupCommit({ storage, replayLimit }: GroupCommitOptions): GroupCommit {
  /** Batches not yet committed, in order; only the last takes more notes. */
  const waiting: Batch[] = [];
  /** A commit is in flight, or one is scheduled for the next turn. */
  let busy = false;

  /** The locations of the batch being looked up: one commit at a time uses it. */
  const locations = new PointTable(MAX_NOTES_PER_COMMIT);

  /**
   * Each note's replay: the notes at its location before the transaction (read just before it, by
   * the only writer of notes in this process), then the batch's own notes there, in batch order.
   * Most notes have none: they share one empty replay, and their locations no string key.
   */
  async function replaysOf(notes: readonly StoredNote[]): Promise<(readonly StoredNote[])[]> {
    if (replayLimit <= 0) return notes.map(() => NO_REPLAY);
    locations.clear();
    const distinct: StoredNote[] = [];
    const locationOf = notes.map((note) => {
      let location = locations.get(note.latitude, note.longitude);
      if (location < 0) {
        location = distinct.push(note) - 1;
        locations.set(note.latitude, note.longitude, location);
      }
      return location;
    });
    // A new array for each location (the contract), which then takes the batch's notes there too.
    const atLocation = await storage.notesAtEach(distinct, replayLimit);
    return notes.map((note, i) => {
      const earlier = atLocation[locationOf[i]!]!;
      const replay = earlier.length === 0 ? NO_REPLAY : earlier.slice(-replayLimit);
      earlier.push(note);
      return replay;
    });
  }

  async function commit(batch: Batch): Promise<void> {
    try {
      const replays = await replaysOf(batch.notes);
      await storage.addNotes(batch.notes);
      batch.resolve(replays);
    } catch (error) {
      // All or nothing: every note of the batch fails with the error that failed it.
      batch.reject(error);
    }
  }

  /** Commits what is waiting, batch after batch, until nothing is: notes that came meanwhile go next. */
  async function drain(): Promise<void> {
    for (let batch = waiting.shift(); batch !== undefined; batch = waiting.shift()) await commit(batch);
    busy = false;
  }

  function place(note: StoredNote): Placement {
    let batch = waiting[waiting.length - 1];
    if (batch === undefined || batch.notes.length >= MAX_NOTES_PER_COMMIT) {
      batch = openBatch();
      waiting.push(batch);
    }
    const index = batch.notes.push(note) - 1;
    if (!busy) {
      busy = true;
      // The first note waits one turn, so that the notes decoded from the same network reads
      // (other streams' too) join its commit.
      setImmediate(() => void drain());
    }
    return { committed: batch.committed, index };
  }

  return {
    place,
    store(note) {
      const { committed, index } = place({ latitude: note.latitude, longitude: note.longitude, message: note.message });
      return committed.then((replays) => replays[index]!);
    },
  };
}
