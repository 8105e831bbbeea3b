import { createLogger } from '../service/logger.js';
import { startRouteGuide } from '../service/start.js';
import {
  booleanSetting,
  choiceSetting,
  helpText,
  integerSetting,
  optionalTextSetting,
  parseCommandLine,
  secondsSetting,
  textSetting,
  type Environment,
} from './settings.js';

export const DEFAULT_STORAGE_URL = 'sqlite:./data/routeguide.db';

export const serveSettings = {
  storage: {
    schema: textSetting(DEFAULT_STORAGE_URL),
    description: 'where features and notes live: memory: or sqlite:<path>',
    defaultText: DEFAULT_STORAGE_URL,
    valueName: 'URL',
  },
  host: { schema: textSetting('127.0.0.1'), description: 'address to listen on', defaultText: '127.0.0.1', valueName: 'HOST' },
  port: { schema: integerSetting(0, 65535, 50051), description: 'port to listen on; 0 picks a free one', defaultText: '50051', valueName: 'PORT' },
  seed: {
    schema: optionalTextSetting(),
    description: 'import this route_guide_db.json-shaped file at start (duplicates skipped)',
    defaultText: 'none; an empty storage is seeded from seed/route_guide_db.json',
    valueName: 'FILE',
  },
  empty: { schema: booleanSetting(), description: 'do not seed an empty storage', defaultText: 'false', boolean: true },
  'replay-limit': {
    schema: integerSetting(0, 1_000_000, 1000),
    description: 'most recent notes RouteChat replays at one location',
    defaultText: '1000',
    valueName: 'N',
  },
  'shutdown-grace': {
    schema: secondsSetting(10),
    description: 'seconds calls in flight get to finish on SIGINT/SIGTERM before streams are ended',
    defaultText: '10',
    valueName: 'SECONDS',
  },
  synchronous: {
    schema: choiceSetting(['normal', 'full'], 'normal'),
    description: 'SQLite durability: normal survives a process crash, full also power loss',
    defaultText: 'normal',
    valueName: 'MODE',
  },
  'log-level': {
    schema: choiceSetting(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'info'),
    description: 'lowest level logged (JSON lines on stderr)',
    defaultText: 'info',
    valueName: 'LEVEL',
  },
} as const;

const USAGE = 'routeguide serve [--storage URL] [--host H] [--port P] [--seed FILE] [--empty] [...]';

/** `routeguide serve`: runs the server until SIGINT or SIGTERM. Resolves with the exit code. */
export async function serveCommand(argv: readonly string[], env: Environment): Promise<number> {
  const { settings, positionals, help } = parseCommandLine('routeguide serve', serveSettings, argv, env);
  if (help) {
    process.stdout.write(helpText(USAGE, 'Serves RouteGuide over gRPC.', serveSettings) + '\n');
    return 0;
  }
  if (positionals.length > 0) {
    process.stderr.write(`routeguide serve: unexpected argument ${positionals[0]}; see routeguide serve --help\n`);
    return 2;
  }
  const log = createLogger(settings['log-level']);
  const running = await startRouteGuide({
    storageUrl: settings.storage,
    createStorageDirectory: settings.storage === DEFAULT_STORAGE_URL,
    synchronous: settings.synchronous,
    host: settings.host,
    port: settings.port,
    seedFile: settings.seed,
    empty: settings.empty,
    replayLimit: settings['replay-limit'],
    log,
  });
  const address = `${running.host.includes(':') ? `[${running.host}]` : running.host}:${running.port}`;
  // Handlers go in before the `listening` line: a script may signal as soon as it reads it.
  const stopped = new Promise<number>((resolve) => {
    let signals = 0;
    const onSignal = (signal: NodeJS.Signals): void => {
      signals++;
      if (signals > 1) {
        log.warn({ signal }, 'second signal: exiting now');
        process.exit(1);
      }
      log.info({ signal, graceMs: settings['shutdown-grace'] }, 'shutting down');
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
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  log.info({ address, storage: settings.storage, features: running.index.size }, 'serving');
  process.stdout.write(`listening on ${address}\n`);
  return stopped;
}
