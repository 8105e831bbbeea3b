import { serveSettings, startOptionsFrom } from '../app/serve-settings.js';
import { startApp } from '../app/start-app.js';
import { checkStorageAfterListening, STORAGE_CORRUPTED_EXIT_CODE, type StorageCheck } from '../app/storage-check.js';
import { formatHostPort } from '../common/host-port.js';
import { helpText, otherVariables, parseCommandLine, type Environment } from '../common/settings.js';
import { routeGrpcJsLogs } from '../grpc/grpc-js-logs.js';
import { createLogger } from '../observability/logger.js';
import { UsageError } from './errors.js';
import { capHeapGrowth } from './heap-growth.js';
import { serveWorkers } from './serve-workers.js';
import { stopOnRequests } from './stop-requests.js';

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
  if (positionals.length > 0) throw new UsageError(`${COMMAND}: unexpected argument ${positionals[0]}; see ${COMMAND} --help`);
  const variables = otherVariables(env);
  const format = settings['log-format'];
  const log = createLogger(settings['log-level'], format === 'auto' ? {} : { pretty: format === 'pretty' });
  // Reads and checks the TLS files before anything starts, so a bad one stops start-up with one line.
  const options = { ...startOptionsFrom(COMMAND, settings, log), storagePassword: variables.storagePassword };
  routeGrpcJsLogs(log);
  // Before anything loads: the heap the index grows into is sized under the same rule. Workers
  // (node:cluster) run this command too, so each caps its own heap.
  capHeapGrowth();
  if (settings.workers > 1) return serveWorkers(COMMAND, argv, settings, options, variables);
  const running = await startApp(options);
  const address = formatHostPort(running.host, running.port);
  // Handlers go in before the `listening` line: a script may signal as soon as it reads it.
  let check: StorageCheck | undefined;
  const { stopped, requestStop } = stopOnRequests(variables.underNpm, log, settings['shutdown-grace'], async () => {
    const checkStopped = check?.stop();
    await running.stop(settings['shutdown-grace']);
    await checkStopped;
    return 0;
  });
  log.info({ address, ...(running.http ? { httpAddress: formatHostPort(running.http.host, running.http.port) } : {}), storage: running.storageUrl.shown, features: running.index.size, tls: options.tls !== undefined }, 'serving');
  if (running.http) process.stdout.write(`http listening on ${formatHostPort(running.http.host, running.http.port)}\n`);
  // The last line, once everything is ready: scripts wait for it.
  process.stdout.write(`listening on ${address}\n`);
  check = checkStorageAfterListening(running.storageUrl, log, () => requestStop({ cause: 'storage failed its integrity check' }));
  const code = await stopped;
  return check.corrupted() ? STORAGE_CORRUPTED_EXIT_CODE : code;
}
