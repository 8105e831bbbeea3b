/** Resolves after the event loop has run pending I/O: long loops await it so other work gets a turn. */
export function nextTurn(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * Runs a generator to its end in slices of about `sliceMs` of the event loop's time, resuming after
 * each turn: long synchronous work (building an index) then never keeps other calls waiting longer
 * than a slice. The generator yields wherever it may pause.
 */
export async function runInSlices<T>(work: Generator<void, T>, sliceMs: number): Promise<T> {
  for (;;) {
    const until = performance.now() + sliceMs;
    do {
      const step = work.next();
      if (step.done) return step.value;
    } while (performance.now() < until);
    await nextTurn();
  }
}
