import type Database from 'better-sqlite3';

/** After another connection's commit, the import leaves the lock free as long as it held it, for this long. */
const WRITERS_SEEN_FOR_MS = 10_000;
/** Without one, it leaves the lock free for this fraction of the time it held it. */
const QUIET_PAUSE_FRACTION = 0.25;

function sleep(ms: number): Promise<void> {
  return new Promise<void>((resolve) => setTimeout(resolve, ms));
}

/**
 * The pause of an import between two copy batches, which lets other writers (a server's notes) in.
 * SQLite has no queue for the write lock: a waiting writer polls (after 1, 2, 5, ... up to 100 ms),
 * and with back-to-back batches it kept missing the gaps, waiting up to 830 ms at 10M and, over a
 * copy longer than its busy timeout, it could fail. With the lock free as long as the batch held it,
 * a poll rarely misses. (Pausing only for the rest of the batch's time after the checkpoint left
 * writers half the time; their median p99 wait beside a 10M seed rose from 54 to 65 ms.)
 *
 * That pause was half the copy's time when no one else writes, the usual case for a seed. So the
 * import watches `PRAGMA data_version`, which changes when another connection commits: once it has
 * seen one within WRITERS_SEEN_FOR_MS, it pauses as long as it held the lock; otherwise a quarter of
 * that, which still lets a writer that arrives in a quiet spell in within a few polls, after which the
 * import paces fully again.
 */
export class ImportPacing {
  private version: number;
  private othersWroteAt = -Infinity;

  constructor(private readonly db: Database.Database) {
    this.version = this.dataVersion();
  }

  private dataVersion(): number {
    return this.db.pragma('data_version', { simple: true }) as number;
  }

  /** Whether another connection committed within WRITERS_SEEN_FOR_MS (checked now). */
  othersWriting(): boolean {
    const version = this.dataVersion();
    if (version !== this.version) {
      this.version = version;
      this.othersWroteAt = performance.now();
    }
    return performance.now() - this.othersWroteAt < WRITERS_SEEN_FOR_MS;
  }

  /** Waits after a batch that held the write lock for `lockedMs`. */
  pause(lockedMs: number): Promise<void> {
    const fraction = this.othersWriting() ? 1 : QUIET_PAUSE_FRACTION;
    return sleep(Math.max(1, lockedMs * fraction));
  }
}
