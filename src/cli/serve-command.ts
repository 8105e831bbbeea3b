import { serveSettings, startOptionsFrom } from '../app/serve-settings.js';
import { startApp } from '../app/start-app.js';
import { formatHostPort } from '../common/host-port.js';
import { helpText, parseCommandLine, type Environment } from '../common/settings.js';
import { routeGrpcJsLogs } from '../grpc/grpc-js-logs.js';
import { createLogger } from '../observability/logger.js';

export { serveSettings };

const COMMAND = 'routeguide serve';
const USAGE = `${COMMAND} [--storage URL] [--host H] [--port P] [--http-port P] [--tls-cert FILE --tls-key FILE] [--metrics-port P] [...]`;

/** `routeguide serve`: runs the server until SIGINT, SIGTERM or SIGHUP. Resolves with the exit code. */
export async function serveCommand(argv: readonly string[], env: Environment): Promise<number> {
  const { settings, positionals, help } = parseCommandLine(COMMAND, serveSettings, argv, env);
  if (help) {
    process.stdout.write(helpText(USAGE, 'Serves RouteGuide over gRPC, with health, reflection and optional metrics; with --http-port, also over Connect and gRPC-Web with the map.', serveSettings) + '\n');
    return 0;
  }
  if (positionals.length > 0) {
    process.stderr.write(`${COMMAND}: unexpected argument ${positionals[0]}; see ${COMMAND} --help\n`);
    return 2;
  }
  const format = settings['log-format'];
  const log = createLogger(settings['log-level'], format === 'auto' ? {} : { pretty: format === 'pretty' });
  // Reads and checks the TLS files before anything starts, so a bad one stops start-up with one line.
  const options = startOptionsFrom(COMMAND, settings, log);
  routeGrpcJsLogs(log);
  const running = await startApp(options);
  const address = formatHostPort(running.host, running.port);
  // Handlers go in before the `listening` line: a script may signal as soon as it reads it.
  const stopped = new Promise<number>((resolve) => {
    onStopRequests(
      env.npm_lifecycle_event !== undefined,
      (cause) => {
        log.info({ ...cause, graceMs: settings['shutdown-grace'] }, 'shutting down');
        running.stop(settings['shutdown-grace']).then(
          () => {
            log.info('stopped');
            resolve(0);
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
      (signal) => log.debug({ signal }, "repeat of the first signal taken as npm's forwarded copy"),
    );
  });
  log.info({ address, ...(running.http ? { httpAddress: formatHostPort(running.http.host, running.http.port) } : {}), storage: settings.storage, features: running.index.size, tls: options.tls !== undefined }, 'serving');
  if (running.http) process.stdout.write(`http listening on ${formatHostPort(running.http.host, running.http.port)}\n`);
  // The last line, once everything is ready: scripts wait for it.
  process.stdout.write(`listening on ${address}\n`);
  return stopped;
}

/**
 * The signals that stop `serve` gracefully. SIGHUP is one of them: a closed terminal or a supervisor
 * sends it, and Node's default for it is to die without closing anything.
 */
const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
/** How soon after the first signal a repeat of it is taken for npm's forwarded copy. */
const FORWARDED_COPY_MS = 500;
/** How often, under npm, the server checks that its parent is still there. */
const PARENT_POLL_MS = 500;

type StopCause = { readonly signal: NodeJS.Signals } | { readonly cause: 'parent exited'; readonly parentPid: number };

/**
 * Calls `stop` on the first stop signal and `exitNow` on a second one.
 *
 * Under npm (`npm start`, whose script execs node), npm is the parent and forwards SIGINT and SIGTERM:
 * a signal sent to the whole process group (Ctrl-C, systemd's default KillMode) arrives twice, so one
 * repeat of the first signal soon after it is npm's copy, not a second signal. npm does not forward
 * SIGHUP and dies of it, which would leave the server orphaned; so under npm the server also stops
 * when its parent is gone.
 */
function onStopRequests(
  underNpm: boolean,
  stop: (cause: StopCause) => void,
  exitNow: (signal: NodeJS.Signals) => void,
  onForwardedCopy: (signal: NodeJS.Signals) => void,
): void {
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
  const onSignal = (signal: NodeJS.Signals): void => {
    if (first === undefined) return begin({ signal });
    if (copyExpected && signal === first.signal && performance.now() - first.at < FORWARDED_COPY_MS) {
      copyExpected = false;
      return onForwardedCopy(signal);
    }
    exitNow(signal);
  };
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
}
