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
 * The one way RouteChat and PostNote store notes. Notes handed in while a commit is in flight, or
 * in the same event-loop turn, from one stream or many, are committed together in the next
 * transaction, in the order handed in.
 */
export interface GroupCommit {
  /**
   * Resolves once the note is committed, with the notes stored earlier at its location (oldest
   * first, at most the replay limit): those committed before its transaction, then those ahead of
   * it in the same transaction. Rejects, as every note of that transaction does, with the error
   * that failed it; then none of them is stored.
   */
  store(note: StoredNote): Promise<StoredNote[]>;
}

interface Waiting {
  readonly note: StoredNote;
  readonly resolve: (earlier: StoredNote[]) => void;
  readonly reject: (error: unknown) => void;
}

export function createGroupCommit({ storage, replayLimit }: GroupCommitOptions): GroupCommit {
  let waiting: Waiting[] = [];
  /** A commit is in flight, or one is scheduled for the next turn. */
  let busy = false;

  /**
   * Each note's replay: the notes at its location before the transaction (read just before it, by
   * the only writer of notes in this process), then the batch's own notes there, in batch order.
   */
  async function replaysOf(batch: readonly Waiting[]): Promise<StoredNote[][]> {
    if (replayLimit <= 0) return batch.map(() => []);
    const keys = batch.map(({ note }) => pointKey(note.latitude, note.longitude));
    const locations = new Map<string, StoredNote>();
    batch.forEach(({ note }, i) => {
      if (!locations.has(keys[i]!)) locations.set(keys[i]!, note);
    });
    const stored = await storage.notesAtEach([...locations.values()], replayLimit);
    const byLocation = new Map<string, StoredNote[]>();
    [...locations.keys()].forEach((key, i) => byLocation.set(key, stored[i]!));
    return batch.map(({ note }, i) => {
      const atLocation = byLocation.get(keys[i]!)!;
      const replay = atLocation.slice(-replayLimit);
      atLocation.push(note);
      return replay;
    });
  }

  async function commit(batch: readonly Waiting[]): Promise<void> {
    try {
      const replays = await replaysOf(batch);
      await storage.addNotes(batch.map(({ note }) => note));
      batch.forEach(({ resolve }, i) => resolve(replays[i]!));
    } catch (error) {
      // All or nothing: every note of the batch fails with the error that failed it.
      for (const { reject } of batch) reject(error);
    }
  }

  /** Commits what is waiting, batch after batch, until nothing is: notes that came meanwhile go next. */
  async function drain(): Promise<void> {
    while (waiting.length > 0) {
      const batch = waiting.length <= MAX_NOTES_PER_COMMIT ? waiting : waiting.slice(0, MAX_NOTES_PER_COMMIT);
      waiting = waiting.length <= MAX_NOTES_PER_COMMIT ? [] : waiting.slice(MAX_NOTES_PER_COMMIT);
      await commit(batch);
    }
    busy = false;
  }

  return {
    store(note) {
      return new Promise<StoredNote[]>((resolve, reject) => {
        waiting.push({ note: { latitude: note.latitude, longitude: note.longitude, message: note.message }, resolve, reject });
        if (busy) return;
        busy = true;
        // The first note waits one turn, so that the notes decoded from the same network reads
        // (other streams' too) join its commit.
        setImmediate(() => void drain());
      });
    },
  };
}
