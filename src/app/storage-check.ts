import type { Logger } from '../observability/logger.js';
import { checkStorageInBackground, describeProblems, type StorageUrl } from '../storage/open-storage.js';

/** The exit code of a server stopped by a corrupted storage: start-up's refusal of one (StorageOpenError) exits with it too. */
export const STORAGE_CORRUPTED_EXIT_CODE = 1;

/** The check a server runs once it listens (see checkStorageAfterListening). */
export interface StorageCheck {
  /** Whether it found the storage corrupted (and so called onCorrupted). */
  corrupted(): boolean;
  /** Resolves once the check has ended: with nothing found, reported, unable to run, or stopped. */
  readonly finished: Promise<void>;
  /** Stops the check if it still runs; what it finds from then on is not reported. */
  stop(): Promise<void>;
}

/**
 * The integrity check that serving leaves out of its open (`quickCheckAtOpen: false`: SQLite's
 * quick_check reads the whole file, about 20 s at 100M features), run once the server listens, on a
 * thread of its own, so that calls are answered meanwhile. A problem is reported as start-up's
 * refusal of a corrupted database is, as far as a running server can: one error line naming the
 * problems, then `onCorrupted`, which stops the server (exit code STORAGE_CORRUPTED_EXIT_CODE). A
 * check that cannot run at all is a warning, and serving goes on.
 */
export function checkStorageAfterListening(url: StorageUrl, log: Logger, onCorrupted: () => void): StorageCheck {
  const check = checkStorageInBackground(url);
  if (check === undefined) return { corrupted: () => false, finished: Promise.resolve(), stop: async () => undefined };
  const started = Date.now();
  let stopped = false;
  let corrupted = false;
  const finished = check.problems.then(
    (problems) => {
      if (stopped) return;
      if (problems.length === 0) {
        log.debug({ storage: url.shown, ms: Date.now() - started }, 'storage passed its integrity check');
        return;
      }
      corrupted = true;
      log.error({ storage: url.shown, reason: describeProblems(problems) }, 'storage failed its integrity check; stopping');
      onCorrupted();
    },
    (error: unknown) => {
      if (stopped) return;
      log.warn({ storage: url.shown, reason: error instanceof Error ? error.message : String(error) }, 'cannot check the storage for corruption; serving on');
    },
  );
  return {
    corrupted: () => corrupted,
    finished,
    async stop() {
      stopped = true;
      await check.stop();
    },
  };
}
