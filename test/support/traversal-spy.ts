import type { Box, FeatureIndex } from '../../src/index/feature-index.js';

/**
 * A spy on the walks that a server pulls from as it streams (the index's traversal, or the service's
 * ListFeatures, replaced by a test): it counts what they yield, says when they end, and tells when the
 * server has stopped pulling because it waits for 'drain'.
 */
export interface TraversalSpy {
  /** Wraps one walk: each item the server pulls through it counts as produced. */
  track<T>(walk: Iterable<T>): Generator<T, void, undefined>;
  /** Items the walks have yielded since the last reset: the server's work. */
  produced(): number;
  /** Walks begun and not ended yet. */
  open(): number;
  /** Resolves when the latest walk ends, to its last item or because its call is over. */
  ended(): Promise<void>;
  /** Starts counting again from 0. */
  reset(): void;
  /**
   * Whether a walk is open and its server did not resume it during one turn of the event loop. A
   * streaming handler (writeAll in src/grpc/call-streaming.ts) pulls the next item at once, after a
   * turn (every ITEMS_PER_YIELD writes, in src/transport/pacing.ts, through a setImmediate queued
   * before this check's, which therefore resumes it first), or on 'drain'. A walk left where it was
   * is waiting for 'drain'.
   */
  waitingForDrain(): Promise<boolean>;
}

export function spyOnTraversals(): TraversalSpy {
  let produced = 0;
  let pulls = 0;
  let open = 0;
  let ended: Promise<void> = Promise.resolve();
  return {
    *track<T>(walk: Iterable<T>): Generator<T, void, undefined> {
      let end!: () => void;
      ended = new Promise((resolve) => (end = resolve));
      open++;
      try {
        for (const item of walk) {
          produced++;
          yield item;
          pulls++;
        }
      } finally {
        open--;
        end();
      }
    },
    produced: () => produced,
    open: () => open,
    ended: () => ended,
    reset() {
      produced = 0;
    },
    async waitingForDrain() {
      const before = pulls;
      await new Promise((resolve) => setImmediate(resolve));
      return open > 0 && pulls === before;
    },
  };
}

/** Replaces `index`'s rectangle walk (ListFeatures' and ExportFeatures') with one that `walks` counts and watches. */
export function trackIndexWalks(index: FeatureIndex, walks: TraversalSpy): void {
  type Make = (name: string, latitude: number, longitude: number) => unknown;
  const within = index.within.bind(index) as (box: Box, make?: Make) => Generator<unknown, void, undefined>;
  Object.assign(index, { within: (box: Box, make?: Make) => walks.track(within(box, make)) });
}
