import type { RouteNote } from '../gen/messages/route_guide.js';
import { throwIfAborted } from './errors.js';
import type { GroupCommit, Placement } from './group-commit.js';
import type { CallContext } from './route-guide.js';
import type { ValidRouteNote } from './validation.js';

/**
 * Notes of one stream read but not yet answered. Past this the stream stops reading until its
 * oldest note is answered: memory stays bounded however fast a client sends.
 */
export const NOTES_IN_FLIGHT_PER_STREAM = 64;

/**
 * RouteChat over group commit: the replies, as the caller takes them. A reader hands each note to
 * the group commit as it arrives, without waiting for the previous one to commit; the replies are
 * each note's replay, in the stream's order, given out once that note is committed. So a reply never
 * goes out before its note is committed, and the replies keep the notes' order. Taking replies
 * slowly is the backpressure: past NOTES_IN_FLIGHT_PER_STREAM unanswered notes the reader waits.
 *
 * How it ends:
 * - A note that cannot be answered (its commit failed, the call was aborted) ends the chat at once
 *   with that error, and the reader stores nothing more; so does a caller that stops taking replies.
 * - A bad note (the reader's error) ends it after the notes read before it are answered, as if
 *   they had been handled one at a time.
 * - Either way, it finishes only once every note handed to the group commit has settled (committed
 *   or failed), so that nothing is still being written when the caller closes the storage.
 */
export async function* chatOverGroupCommit(
  notes: AsyncIterable<ValidRouteNote> | Iterable<ValidRouteNote>,
  context: CallContext | undefined,
  commits: GroupCommit,
): AsyncGenerator<RouteNote, void, undefined> {
  const signal = context?.signal;
  /** Handed to the group commit, not yet answered, in the stream's order. */
  const unanswered: Placement[] = [];
  /**
   * The commit of the last note handed in: batches settle in order, so once it has, every note this
   * stream handed in has.
   */
  let lastCommit: Promise<unknown> | undefined;
  // Set by the reader's promise: `as` keeps TypeScript from taking it for `{ done: false }` forever.
  let reading = { done: false } as { done: false } | { done: true; error?: { readonly cause: unknown } };
  let stopped = false;
  let wakeAnswerer: (() => void) | undefined;
  let wakeReader: (() => void) | undefined;
  const wake = (which: (() => void) | undefined): void => which?.();
  /** The next unanswered note, taken from the queue, if it belongs to the batch `committed`. */
  const nextIn = (committed: Placement['committed']): Placement | undefined => {
    if (unanswered[0]?.committed !== committed) return undefined;
    wake(wakeReader);
    return unanswered.shift();
  };

  async function read(): Promise<void> {
    for await (const note of notes) {
      if (stopped) return;
      throwIfAborted(signal);
      while (unanswered.length >= NOTES_IN_FLIGHT_PER_STREAM && !stopped) {
        await new Promise<void>((resolve) => (wakeReader = resolve));
      }
      if (stopped) return;
      const { latitude, longitude } = note.location;
      // A failure reaches the answerer, or (when the chat has already ended with an earlier error)
      // belongs to a batch that error already reported.
      const placement = commits.place({ latitude, longitude, message: note.message });
      lastCommit = placement.committed;
      unanswered.push(placement);
      wake(wakeAnswerer);
    }
  }

  // The reader may still be waiting for the client's next note when the chat ends: whatever it then
  // reads is not stored (`stopped`). Its end or error is recorded for the answerer; once the chat
  // has ended with an error of its own, a later one from the reader has nobody left to tell.
  void read().then(
    () => {
      reading = { done: true };
      wake(wakeAnswerer);
    },
    (cause: unknown) => {
      reading = { done: true, error: { cause } };
      wake(wakeAnswerer);
    },
  );
  try {
    for (;;) {
      const next = unanswered.shift();
      if (next === undefined) {
        if (reading.done) {
          if (reading.error) throw reading.error.cause;
          return;
        }
        await new Promise<void>((resolve) => (wakeAnswerer = resolve));
        wakeAnswerer = undefined;
        continue;
      }
      wake(wakeReader);
      const replays = await next.committed;
      // The stream's later notes in the same batch are committed too: answered without a wait each
      // (a committed batch takes no more notes, so they are the next ones in the queue).
      for (let placement: Placement | undefined = next; placement !== undefined; placement = nextIn(next.committed)) {
        for (const earlier of replays[placement.index]!) {
          throwIfAborted(signal);
          yield { location: { latitude: earlier.latitude, longitude: earlier.longitude }, message: earlier.message };
        }
      }
    }
  } finally {
    stopped = true;
    wake(wakeReader);
    await lastCommit?.catch(() => {});
  }
}
