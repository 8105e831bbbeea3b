import type { Storage } from '../storage/storage.js';
import type { Logger } from '../observability/logger.js';

export interface NoteRetentionOptions {
  readonly storage: Storage;
  /** Notes older than this many milliseconds are deleted. */
  readonly maxAgeMs: number;
  readonly log: Logger;
  /** How often to prune; by default a tenth of the maximum age, between 1 s and 5 min. */
  readonly intervalMs?: number;
  /** Milliseconds since the epoch; replaceable in tests. */
  readonly now?: () => number;
  /** Told how many notes each run deleted (for metrics). */
  readonly onPruned?: (count: number) => void;
}

export interface NoteRetention {
  /** Runs one pruning pass now (waiting for one already running) and resolves with the notes deleted. */
  pruneNow(): Promise<number>;
  /** Stops the timer and waits for a pass in progress. */
  stop(): Promise<void>;
}

/** Deletes notes past their maximum age in the background: once at start, then on a timer. */
export function startNoteRetention(options: NoteRetentionOptions): NoteRetention {
  const { storage, maxAgeMs, log } = options;
  const now = options.now ?? Date.now;
  const intervalMs = options.intervalMs ?? Math.min(Math.max(maxAgeMs / 10, 1000), 300_000);
  let running: Promise<number> | undefined;
  let stopped = false;

  function pruneNow(): Promise<number> {
    running ??= storage
      .pruneNotes(now() - maxAgeMs)
      .then(
        (count) => {
          if (count > 0) log.info({ count, maxAgeMs }, 'pruned old notes');
          options.onPruned?.(count);
          return count;
        },
        (error: unknown) => {
          // A failed pass is retried on the next tick; it must not take the server down.
          if (!stopped) log.error({ err: error }, 'pruning old notes failed');
          return 0;
        },
      )
      .finally(() => {
        running = undefined;
      });
    return running;
  }

  const timer = setInterval(() => void pruneNow(), intervalMs);
  timer.unref();
  void pruneNow();

  return {
    pruneNow,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
