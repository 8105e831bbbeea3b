/** The first restart of a worker that died after a stable run. */
const FIRST_RESTART_MS = 100;
/** The longest wait before a restart, however often a worker keeps dying. */
const MAX_RESTART_MS = 10_000;

/**
 * How long to wait before restarting a worker after `quickExits` exits in a row soon after their
 * starts: 100 ms after a stable run, doubling with each quick exit up to 10 s, so that a crash
 * loop costs a restart every 10 s rather than a core.
 */
export function restartDelayMs(quickExits: number): number {
  return Math.min(MAX_RESTART_MS, FIRST_RESTART_MS * 2 ** quickExits);
}
