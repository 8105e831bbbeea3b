import { pointKey } from '../geo/point-key.js';
import type { Storage, StoredNote } from '../storage/storage.js';

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
  readonly committed: Promise<readonly StoredNote[][]>;
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
  store(note: StoredNote): Promise<StoredNote[]>;
  /**
   * The same, answered through the note's batch: `(await committed)[index]` is what `store`
   * resolves with. The batch's promise never counts as an unhandled rejection; whoever awaits it
   * gets the error.
   */
  place(note: StoredNote): Placement;
}

/** Notes waiting for one commit, and that commit's outcome. */
interface Batch {
  readonly notes: StoredNote[];
  readonly committed: Promise<StoredNote[][]>;
  readonly resolve: (replays: StoredNote[][]) => void;
  readonly reject: (error: unknown) => void;
}

function openBatch(): Batch {
  let resolve!: (replays: StoredNote[][]) => void;
  let reject!: (error: unknown) => void;
  const committed = new Promise<StoredNote[][]>((resolveBatch, rejectBatch) => {
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

  /**
   * Each note's replay: the notes at its location before the transaction (read just before it, by
   * the only writer of notes in this process), then the batch's own notes there, in batch order.
   */
  async function replaysOf(notes: readonly StoredNote[]): Promise<StoredNote[][]> {
    if (replayLimit <= 0) return notes.map(() => []);
    const keys = notes.map((note) => pointKey(note.latitude, note.longitude));
    const locations = new Map<string, StoredNote>();
    notes.forEach((note, i) => {
      if (!locations.has(keys[i]!)) locations.set(keys[i]!, note);
    });
    const stored = await storage.notesAtEach([...locations.values()], replayLimit);
    const byLocation = new Map<string, StoredNote[]>();
    [...locations.keys()].forEach((key, i) => byLocation.set(key, stored[i]!));
    return notes.map((note, i) => {
      const atLocation = byLocation.get(keys[i]!)!;
      const replay = atLocation.slice(-replayLimit);
      atLocation.push(note);
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
    const index = batch.notes.push({ latitude: note.latitude, longitude: note.longitude, message: note.message }) - 1;
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
      const { committed, index } = place(note);
      return committed.then((replays) => replays[index]!);
    },
  };
}
