/** Polls `condition` until it holds; fails after `timeoutMs`. For waiting on server state, never for timing. */
export async function waitFor(condition: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Waits until `read()` stops changing across several polls, and returns the settled value. */
export async function waitUntilSettled(read: () => number, timeoutMs = 10_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let last = read();
  let stable = 0;
  while (stable < 5) {
    if (Date.now() > deadline) throw new Error('value never settled');
    await new Promise((resolve) => setTimeout(resolve, 40));
    const now = read();
    stable = now === last ? stable + 1 : 0;
    last = now;
  }
  return last;
}
