import type { Logger } from '../observability/logger.js';
/**
 * The signals that stop `serve` gracefully. SIGHUP is one of them: a closed terminal or a supervisor
 * sends it, and Node's default for it is to die without closing anything.
 */
const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
/** How soon after the first signal a repeat of it is taken for npm's forwarded copy. */
const FORWARDED_COPY_MS = 500;
/** How often, under npm, the server checks that its parent is still there. */
const PARENT_POLL_MS = 500;

export type StopCause =
  | { readonly signal: NodeJS.Signals }
  | { readonly cause: 'parent exited'; readonly parentPid: number }
  | { readonly cause: 'asked by the primary' }
  | { readonly cause: 'storage failed its integrity check' };

/**
 * Calls `stop` on the first stop signal and `exitNow` on a second one.
 *
 * Under npm (`npm start`, whose script execs node), npm is the parent and forwards SIGINT and SIGTERM:
 * a signal sent to the whole process group (Ctrl-C, systemd's default KillMode) arrives twice, so one
 * repeat of the first signal soon after it is npm's copy, not a second signal. npm does not forward
 * SIGHUP and dies of it, which would leave the server orphaned; so under npm the server also stops
 * when its parent is gone.
 *
 * Returns a function that starts the same stop for another cause, unless it has started already;
 * the first signal after the primary's request is taken as its copy (given to `onForwardedCopy`), not
 * as a second.
 */
export function onStopRequests(
  underNpm: boolean,
  stop: (cause: StopCause) => void,
  exitNow: (signal: NodeJS.Signals) => void,
  onForwardedCopy: (signal: NodeJS.Signals) => void,
): (cause: StopCause) => void {
  let first: { signal: NodeJS.Signals | undefined; at: number } | undefined;
  let copyExpected = underNpm;
  const parentPid = process.ppid;
  const parentWatch = underNpm
    ? setInterval(() => {
        if (process.ppid !== parentPid) begin({ cause: 'parent exited', parentPid });
      }, PARENT_POLL_MS).unref()
    : undefined;
  function begin(cause: StopCause): void {
    clearInterval(parentWatch);
    first = { signal: 'signal' in cause ? cause.signal : undefined, at: performance.now() };
    stop(cause);
  }
  // Set when another cause started the stop: see the function returned below.
  let signalExpected = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (first === undefined) return begin({ signal });
    if (signalExpected) {
      signalExpected = false;
      return onForwardedCopy(signal);
    }
    if (copyExpected && signal === first.signal && performance.now() - first.at < FORWARDED_COPY_MS) {
      copyExpected = false;
      return onForwardedCopy(signal);
    }
    exitNow(signal);
  };
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
  // A request from elsewhere (a cluster worker's primary, a failed storage check) starts the same
  // stop, once. The primary asks because it got a stop signal, and a signal sent to the whole process
  // group reaches this process too, usually just after the request: so the first signal after it is
  // part of the same stop, and only a second one exits at once. Any other cause expects no signal.
  return (cause) => {
    if (first !== undefined) return;
    signalExpected = 'cause' in cause && cause.cause === 'asked by the primary';
    begin(cause);
  };
}

/**
 * Runs `stop` on the first stop request, logging `shutting down` and then `stopped` (or the failure,
 * with exit code 1); a second signal exits at once with 1.
 */
export function stopOnRequests(underNpm: boolean, log: Logger, graceMs: number, stop: () => Promise<number>) {
  let requestStop!: (cause: StopCause) => void;
  const stopped = new Promise<number>((resolve) => {
    requestStop = onStopRequests(
      underNpm,
      (cause) => {
        log.info({ ...cause, graceMs }, 'shutting down');
        stop().then(
          (code) => {
            if (code === 0) log.info('stopped');
            else log.error({ code }, 'stopped, but a worker did not shut down cleanly');
            resolve(code);
          },
          (error: unknown) => {
            log.error({ err: error }, 'shutdown failed');
            resolve(1);
          },
        );
      },
      (signal) => {
        log.warn({ signal }, 'second signal: exiting now');
        process.exit(1);
      },
      (signal) => log.debug({ signal }, "a copy of the signal that started the stop (npm's, or the process group's): not a second signal"),
    );
  });
  return { stopped, requestStop };
}
