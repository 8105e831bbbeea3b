/**
 * Standard output whose reader went away (`routeguide client list ... | head -1`): writing then fails
 * with EPIPE, which Node reports as an 'error' event on process.stdout, an uncaught exception unless
 * someone listens. The CLI listens, once per process and for good (a late EPIPE after the command
 * ended is as harmless), and turns it into an aborted signal: the command stops and cancels its call.
 */

let closed: AbortController | undefined;

/** Aborts, with the stream's error as its reason, once writing to stdout has failed. */
export function stdoutClosed(): AbortSignal {
  if (closed === undefined) {
    const controller = new AbortController();
    closed = controller;
    process.stdout.on('error', (error) => controller.abort(error));
  }
  return closed.signal;
}

/** True for a write that failed because the reader closed its end, which ends a command quietly (exit 0). */
export function isReaderGone(reason: unknown): boolean {
  const code = (reason as { code?: unknown } | undefined)?.code;
  return code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED';
}
