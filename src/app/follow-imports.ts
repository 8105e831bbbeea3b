import type { FeatureIndex } from '../index/feature-index.js';
import type { Logger } from '../observability/logger.js';
import type { CommittedImport, Storage } from '../storage/storage.js';

/** After a failure, the next attempt comes at the next change or after this long, whichever is first. */
const RETRY_MS = 1000;
/** Imports read from the feed per intake: taken in together, so a burst of small ones costs one build. */
const IMPORTS_PER_INTAKE = 100;

export interface FollowImportsOptions {
  readonly storage: Storage;
  readonly index: FeatureIndex;
  /** The import feed's position read before the index's initial scan: later imports are followed. */
  readonly from: number;
  /**
   * The position read after that scan. Imports up to here may already be in the index (they committed
   * during the scan), so their points are checked first; later ones are taken in without a check.
   */
  readonly overlapThrough: number;
  readonly log: Logger;
  /** Told the feed position after each intake is published, at once (the index then holds every import up to it). */
  readonly onIntake?: (position: number) => void;
}

export interface ImportFollower {
  /** The import feed's position the index has taken in (for tests and logs). */
  readonly position: number;
  /**
   * Settles when the first catch-up has ended: everything committed before the follower started is
   * in the index (start-up waits for it before `listening on`), unless it failed, which is logged.
   */
  readonly caughtUp: Promise<void>;
  /** Stops following; resolves once an intake in progress has stopped (publishing nothing) or finished. */
  stop(): Promise<void>;
}

/** The imports' features, batch by batch; fails (so that nothing is published) once `stopped()` says so. */
async function* featuresOf(storage: Storage, imports: readonly CommittedImport[], stopped: () => boolean) {
  for (const { position } of imports) {
    for await (const batch of storage.scanImport(position)) {
      if (stopped()) throw new Error('stopped following imports');
      yield batch;
    }
  }
}

/**
 * Keeps the index following the storage's import feed, so that features imported by any process
 * (`routeguide seed`, another server's --seed) reach every running server without a restart. Woken
 * by Storage.onChange, and once at start for what committed while the index loaded; it reads the
 * imports committed after its position and takes them in with FeatureIndex.takeIn, which publishes
 * them all at once. A failure (the storage unreachable) is logged and retried from the same position
 * (at the next change, or after RETRY_MS): positions follow commit order, so nothing is skipped.
 */
export function followImports(options: FollowImportsOptions): ImportFollower {
  const { storage, index, log } = options;
  let position = options.from;
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;

  async function catchUp(): Promise<void> {
    do {
      again = false;
      for (;;) {
        if (stopped) return;
        const imports = await storage.importsAfter(position, IMPORTS_PER_INTAKE);
        if (imports.length === 0) break;
        const through = imports[imports.length - 1]!.position;
        const started = performance.now();
        // With a packed base, another process's newer file may already hold what comes next.
        const skipIndexed = imports[0]!.position <= options.overlapThrough || index.packedBase !== undefined;
        const added = await index.takeIn(featuresOf(storage, imports, () => stopped), { skipIndexed });
        position = through;
        options.onIntake?.(position);
        log.info(
          { imports: imports.length, position, features: added, indexed: index.size, ms: Math.round(performance.now() - started) },
          'index took in new imports',
        );
      }
    } while (again);
  }

  function wake(): void {
    if (running) {
      again = true;
      return;
    }
    running = catchUp()
      .catch((error: unknown) => {
        // Not swallowed: logged, and retried from the same position.
        if (stopped) return;
        log.warn({ err: error, position }, 'could not take in new imports; retrying');
        setTimeout(() => {
          if (!stopped) wake();
        }, RETRY_MS).unref();
      })
      .finally(() => {
        running = undefined;
      });
  }

  const unsubscribe = storage.onChange(wake);
  wake();
  // The first catch-up's end, succeeded or logged (a failure is retried as any other).
  const caughtUp = running!.then(() => {});
  return {
    get position() {
      return position;
    },
    caughtUp,
    async stop() {
      stopped = true;
      unsubscribe();
      await running;
    },
  };
}
