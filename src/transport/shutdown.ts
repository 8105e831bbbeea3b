/*
 * The end of a graceful stop, as both ports run it: once the grace period is over, the calls still
 * open are ended with UNAVAILABLE, their handlers get a moment to unwind, and their statuses a
 * moment to reach the wire before the connections are cut.
 */

/** What a call that shutdown ends is told, on either port. */
export const SHUTTING_DOWN_MESSAGE = 'server is shutting down';

/** How long ended handlers get to notice and unwind (they are between two awaits at most). */
const HANDLER_SETTLE_MS = 2000;
/** Lets the UNAVAILABLE statuses reach the wire before connections are cut. */
const STATUS_FLUSH_MS = 100;

/** What a server has in flight, as shutdown waits for it (in-flight.ts). */
interface Waitable {
  whenEmpty(timeoutMs: number): Promise<void>;
}

/** Resolves once every handler in `open` has finished (a handler may still be storing its last note), or after HANDLER_SETTLE_MS. */
export async function handlersSettled(...open: readonly Waitable[]): Promise<void> {
  await Promise.all(open.map((each) => each.whenEmpty(HANDLER_SETTLE_MS)));
}

/**
 * Ends what is still open once the grace period is over (`end`), waits for those handlers to
 * settle, then lets their statuses reach the wire; the caller cuts the connections after.
 */
export async function endRemaining(open: Waitable, end: () => void): Promise<void> {
  end();
  await handlersSettled(open);
  await new Promise((resolve) => setTimeout(resolve, STATUS_FLUSH_MS).unref());
}
