/** The shortest pause between two checks of a condition. */
const INTERVAL_MS = 10;

/**
 * Checks `condition` until it holds, and fails after `timeoutMs` naming `what`. The condition may be
 * synchronous or asynchronous; one that throws or rejects has not held yet (a server being restarted
 * refuses calls), and the timeout's error gives the last such error. For waiting on state, never for
 * timing. Between two checks it pauses at least as long as the last check took, so that a costly
 * check (a call listing thousands of features) never takes more than half of a loaded machine.
 */
export async function eventually(condition: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const started = Date.now();
    let failure: unknown;
    try {
      if (await condition()) return;
    } catch (error) {
      failure = error;
    }
    if (Date.now() > deadline) {
      const reason = failure === undefined ? '' : `; the last check failed: ${failure instanceof Error ? failure.message : String(failure)}`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${reason}`, { cause: failure });
    }
    await new Promise((resolve) => setTimeout(resolve, Math.max(INTERVAL_MS, Date.now() - started)));
  }
}
