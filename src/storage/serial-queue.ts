/**
 * Runs tasks one at a time, in the order they were queued. The backends queue their inserts on it,
 * so concurrent imports into one storage behave as if run one after the other.
 */
export interface SerialQueue {
  /** Runs `task` once every task queued before it has settled; settles as `task` does. */
  run<T>(task: () => Promise<T>): Promise<T>;
  /** Resolves once every task queued so far has settled. */
  idle(): Promise<void>;
}

export function createSerialQueue(): SerialQueue {
  let tail: Promise<void> = Promise.resolve();
  return {
    run(task) {
      const result = tail.then(task);
      // The caller gets the task's error from `result`; the chain only needs to know it settled,
      // so that a failed task never holds up the next one.
      tail = result.then(
        () => undefined,
        () => undefined,
      );
      return result;
    },
    idle() {
      return tail;
    },
  };
}
