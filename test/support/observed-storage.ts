import type { Storage, StoredNote } from '../../src/storage/storage.js';

/** A storage whose note commits a test can count, hold back and fail. */
export interface ObservedStorage {
  readonly storage: Storage;
  /** addNotes calls so far, held, failed or committed. */
  attempts(): number;
  /** Every addNotes call that committed, in order. */
  readonly commits: (readonly StoredNote[])[];
  /** Whether a note with this message has been committed (messages are unique in these tests). */
  isCommitted(message: string): boolean;
  /** Holds every commit from now on until the returned release is called. */
  hold(): () => void;
  /** Makes the next commit reject with `error`, storing nothing. */
  failNext(error: Error): void;
}

export function observeCommits(inner: Storage): ObservedStorage {
  const commits: (readonly StoredNote[])[] = [];
  const committed = new Set<string>();
  let gate: Promise<void> = Promise.resolve();
  let failure: Error | undefined;
  let attempts = 0;
  return {
    storage: {
      ...inner,
      async addNotes(notes) {
        attempts++;
        await gate;
        if (failure !== undefined) {
          const error = failure;
          failure = undefined;
          throw error;
        }
        await inner.addNotes(notes);
        commits.push([...notes]);
        for (const note of notes) committed.add(note.message);
      },
    },
    attempts: () => attempts,
    commits,
    isCommitted: (message) => committed.has(message),
    hold() {
      let release!: () => void;
      gate = new Promise<void>((resolve) => (release = resolve));
      return release;
    },
    failNext(error) {
      failure = error;
    },
  };
}
