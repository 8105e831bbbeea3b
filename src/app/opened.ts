/** Something start-up opened, with the one way to close it. */
export interface Closable {
  close(): Promise<void> | void;
}

/** Keeps what a start-up step opened, to be closed with the rest; returns it. */
export type Keep = <T extends Closable>(opened: T) => T;

/**
 * Runs `open`, which hands each thing it opens to `keep`, and returns its result with a `close()`
 * that closes those things in reverse order. If `open` fails, what it had opened is closed the same
 * way before the failure is thrown on: nothing opened before a failure is left open. Every closer
 * runs even if one before it fails; `close()` then rejects with the first failure, while a failed
 * start-up rejects with the error that stopped it.
 */
export async function openInOrder<T extends object>(open: (keep: Keep) => Promise<T>): Promise<T & Closable> {
  const opened: Closable[] = [];
  const closeAll = async (): Promise<void> => {
    const failures: unknown[] = [];
    for (const each of opened.splice(0).reverse()) {
      try {
        await each.close();
      } catch (error) {
        failures.push(error);
      }
    }
    if (failures.length > 0) throw failures[0];
  };
  try {
    const result = await open((thing) => {
      opened.push(thing);
      return thing;
    });
    return { ...result, close: closeAll };
  } catch (error) {
    await closeAll().catch(() => {});
    throw error;
  }
}
