import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { DEFAULT_LIMITS } from '../transport/limits.js';
import { INT32_MAX } from '../geo/int32.js';
import { type SettingsOf } from '../common/settings.js';
import {
  booleanSetting,
  choiceSetting,
  integerSetting,
  optionalChoiceSetting,
  optionalIntegerSetting,
  optionalLimitSetting,
  optionalPortSetting,
  optionalRateSetting,
  optionalSecondsSetting,
  optionalTextSetting,
  originListSetting,
  positiveSecondsSetting,
  secondsSetting,
  textSetting,
} from '../common/setting-values.js';
import type { Logger } from '../observability/logger.js';
import { DEFAULT_POOL_SIZE } from '../storage/open-storage.js';
import { accessOptionsFrom } from './access-settings.js';
import { DEFAULT_STORAGE_URL } from './app-storage.js';
import { DEFAULT_INDEX_DIR } from './index-file-location.js';
import { extensionsText } from '../feature-files/feature-file.js';
import { readOptionSettings, readOptionsFrom } from './read-option-settings.js';
import { serverTlsFrom, type SettingName } from './server-tls.js';
import type { StartOptions } from './start-app.js';

/** The most server processes `--workers` starts on one machine. */
const MAX_WORKERS = 256;

/**
 * `--workers`: a number of server processes from 1 to MAX_WORKERS, or `auto` for one per core
 * (os.availableParallelism()); 1 when not set. The library has no such option: an embedded server
 * is one process.
 */
function workersSetting() {
  const isCount = (value: unknown): boolean =>
    (typeof value === 'number' || (typeof value === 'string' && /^\d+$/.test(value.trim()))) &&
    Number.isInteger(Number(value)) &&
    Number(value) >= 1 &&
    Number(value) <= MAX_WORKERS;
  const isAuto = (value: unknown): boolean => typeof value === 'string' && value.trim() === 'auto';
  return z
    .custom<number | string>()
    .refine((value) => isAuto(value) || isCount(value), { error: `must be an integer between 1 and ${MAX_WORKERS}, or auto (one per core)` })
    .optional()
    .transform((value) => (value === undefined ? 1 : isAuto(value) ? Math.min(availableParallelism(), MAX_WORKERS) : Number(value)));
}

/**
 * Every setting of a server, with its check, default and help text: the one table behind
 * `routeguide serve` (as --flags and ROUTEGUIDE_* variables) and `startRouteGuide` (as camelCase options).
 */
export const serveSettings = {
  storage: {
    schema: textSetting(DEFAULT_STORAGE_URL),
    description: 'where features and notes live: memory:, sqlite:<path> or postgres://USER:PASSWORD@HOST:PORT/DATABASE',
    defaultText: DEFAULT_STORAGE_URL,
    valueName: 'URL',
  },
  'index-dir': {
    schema: textSetting(DEFAULT_INDEX_DIR),
    description: 'where a PostgreSQL storage\'s index files live, one for each database (SQLite\'s lies beside the database, as PATH.index)',
    defaultText: DEFAULT_INDEX_DIR,
    valueName: 'DIR',
  },
  host: { schema: textSetting('127.0.0.1'), description: 'address to listen on', defaultText: '127.0.0.1', valueName: 'HOST' },
  port: { schema: integerSetting(0, 65535, 50051), description: 'port to listen on; 0 picks a free one', defaultText: '50051', valueName: 'PORT' },
  'http-port': {
    schema: optionalPortSetting(),
    description: 'serve Connect, gRPC-Web, /healthz and the map over HTTP on this port; 0 picks a free one; off: none',
    defaultText: 'none (npm start: 8080)',
    valueName: 'PORT',
  },
  'http-host': { schema: optionalTextSetting(), description: 'address the HTTP port listens on', defaultText: 'the --host value', valueName: 'HOST' },
  'http-cors-origin': {
    schema: originListSetting(),
    description: 'browser origins other than the server\'s own that may call the HTTP port, comma-separated, or *',
    defaultText: 'none: same origin only',
    valueName: 'ORIGINS',
  },
  seed: {
    schema: optionalTextSetting(),
    description: `import this feature file at start (duplicates skipped), its format from the extension: ${extensionsText()}`,
    defaultText: 'none; an empty storage is seeded from seed/route_guide_db.json',
    valueName: 'FILE',
  },
  empty: { schema: booleanSetting(), description: 'do not seed an empty storage', defaultText: 'false', boolean: true },
  // How to read the --seed file.
  ...readOptionSettings,
  'replay-limit': {
    schema: integerSetting(0, 1_000_000, 1000),
    description: 'most recent notes RouteChat replays at one location',
    defaultText: '1000',
    valueName: 'N',
  },
  'watch-buffer': {
    schema: integerSetting(1, 10_000_000, 10_000),
    description: 'notes a WatchNotes reader may fall behind before its watch ends with RESOURCE_EXHAUSTED',
    defaultText: '10000',
    valueName: 'N',
  },
  'notes-max-age': {
    schema: optionalSecondsSetting(),
    description: 'delete notes older than this, in the background',
    defaultText: 'none: keep notes forever',
    valueName: 'SECONDS',
  },
  workers: {
    schema: workersSetting(),
    description: 'server processes sharing the port (node:cluster), each with its own index; auto: one per core',
    defaultText: '1: one process',
    valueName: 'N',
  },
  'shutdown-grace': {
    schema: secondsSetting(10),
    description: 'seconds open streams get to finish on SIGTERM, SIGINT or SIGHUP before they are ended with UNAVAILABLE',
    defaultText: '10',
    valueName: 'SECONDS',
  },
  'stream-idle-timeout': {
    schema: secondsSetting(300),
    description: 'end a stream that sends and receives nothing for this long (DEADLINE_EXCEEDED); 0: never',
    defaultText: '300',
    valueName: 'SECONDS',
  },
  'max-message-size': {
    schema: integerSetting(1024, INT32_MAX, DEFAULT_LIMITS.maxMessageBytes),
    description: 'largest message received or sent, in bytes (RESOURCE_EXHAUSTED beyond)',
    defaultText: String(DEFAULT_LIMITS.maxMessageBytes),
    valueName: 'BYTES',
  },
  'max-concurrent-streams': {
    schema: integerSetting(1, INT32_MAX, DEFAULT_LIMITS.maxConcurrentStreams),
    description: 'calls one connection may have open at once; more wait on the client',
    defaultText: String(DEFAULT_LIMITS.maxConcurrentStreams),
    valueName: 'N',
  },
  'keepalive-time': {
    schema: secondsSetting(DEFAULT_LIMITS.keepaliveTimeMs / 1000),
    description: 'seconds between keepalive pings the server sends on a connection; 0: none',
    defaultText: String(DEFAULT_LIMITS.keepaliveTimeMs / 1000),
    valueName: 'SECONDS',
  },
  'keepalive-timeout': {
    schema: positiveSecondsSetting(DEFAULT_LIMITS.keepaliveTimeoutMs / 1000),
    description: 'seconds a keepalive ping may go unanswered before the connection is closed',
    defaultText: String(DEFAULT_LIMITS.keepaliveTimeoutMs / 1000),
    valueName: 'SECONDS',
  },
  'max-connections': {
    schema: integerSetting(1, INT32_MAX, DEFAULT_LIMITS.maxConnections),
    description: 'connections the gRPC port holds at once; past it a new one is closed at once',
    defaultText: String(DEFAULT_LIMITS.maxConnections),
    valueName: 'N',
  },
  'connection-setup-timeout': {
    schema: positiveSecondsSetting(DEFAULT_LIMITS.connectionSetupTimeoutMs / 1000),
    description: 'seconds a new gRPC connection gets to finish its TLS handshake and send the HTTP/2 preface before it is closed',
    defaultText: String(DEFAULT_LIMITS.connectionSetupTimeoutMs / 1000),
    valueName: 'SECONDS',
  },
  'http-max-connections': {
    schema: integerSetting(1, INT32_MAX, DEFAULT_LIMITS.httpMaxConnections),
    description: 'connections the HTTP port holds at once; past it a new one is closed at once',
    defaultText: String(DEFAULT_LIMITS.httpMaxConnections),
    valueName: 'N',
  },
  'http-headers-timeout': {
    schema: positiveSecondsSetting(DEFAULT_LIMITS.httpHeadersTimeoutMs / 1000),
    description: 'seconds an HTTP request\'s headers (and the TLS handshake before them) get to arrive before the connection is closed',
    defaultText: String(DEFAULT_LIMITS.httpHeadersTimeoutMs / 1000),
    valueName: 'SECONDS',
  },
  'http-body-timeout': {
    schema: positiveSecondsSetting(DEFAULT_LIMITS.httpBodyTimeoutMs / 1000),
    description: 'seconds an HTTP request\'s body (any but a client stream\'s) gets to arrive whole before the request is ended',
    defaultText: String(DEFAULT_LIMITS.httpBodyTimeoutMs / 1000),
    valueName: 'SECONDS',
  },
  'tls-cert': { schema: optionalTextSetting(), description: 'serve TLS with this PEM certificate chain (needs --tls-key)', defaultText: 'none: plaintext', valueName: 'FILE' },
  'tls-key': { schema: optionalTextSetting(), description: 'the PEM private key for --tls-cert', defaultText: 'none', valueName: 'FILE' },
  'tls-client-ca': {
    schema: optionalTextSetting(),
    description: 'require client certificates signed by this PEM CA (mTLS)',
    defaultText: 'none: no client certificates',
    valueName: 'FILE',
  },
  'auth-file': {
    schema: optionalTextSetting(),
    description: 'clients and their scopes, one a line: NAME read|write sha256:HEX (a token\'s hash, from routeguide token) or cert:COMMON NAME; reloaded when it changes',
    defaultText: 'none: every caller is anonymous',
    valueName: 'FILE',
  },
  anonymous: {
    schema: optionalChoiceSetting(['none', 'read', 'write']),
    description: 'what a caller without a known token or certificate may do: none, read, or write (which includes read)',
    defaultText: 'write; read with --auth-file',
    valueName: 'SCOPE',
  },
  'write-rate': {
    schema: optionalRateSetting(),
    description: 'notes a second each client may store (RouteChat and PostNote; a burst of one second\'s worth), or unlimited; RESOURCE_EXHAUSTED beyond',
    defaultText: 'unlimited; with --auth-file, 50 for each anonymous address',
    valueName: 'NOTES_PER_SECOND',
  },
  'max-streams-per-client': {
    schema: optionalLimitSetting(1, INT32_MAX),
    description: 'streaming calls of every kind each client may have open at once, or unlimited; RESOURCE_EXHAUSTED beyond',
    defaultText: 'unlimited; with --auth-file, 100 for each anonymous address',
    valueName: 'N',
  },
  'metrics-port': {
    schema: optionalIntegerSetting(0, 65535),
    description: 'serve Prometheus metrics over HTTP at /metrics on this port; 0 picks a free one',
    defaultText: 'none: no metrics',
    valueName: 'PORT',
  },
  'metrics-host': { schema: optionalTextSetting(), description: 'address the metrics listen on', defaultText: 'the --host value', valueName: 'HOST' },
  synchronous: {
    schema: choiceSetting(['normal', 'full'], 'normal'),
    description: 'SQLite durability: normal survives a process crash, full also power loss',
    defaultText: 'normal',
    valueName: 'MODE',
  },
  'storage-pool-size': {
    schema: integerSetting(1, 1000, DEFAULT_POOL_SIZE),
    description: 'connections to PostgreSQL this server may hold (postgres:// storage only)',
    defaultText: String(DEFAULT_POOL_SIZE),
    valueName: 'N',
  },
  'storage-connect-timeout': {
    schema: optionalSecondsSetting(),
    description: 'give up (exit 1) when PostgreSQL cannot be reached at start for this long; meanwhile retry, logging each retry',
    defaultText: 'none: keep trying',
    valueName: 'SECONDS',
  },
  'log-level': {
    schema: choiceSetting(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'info'),
    description: 'lowest level logged on stderr; health and reflection calls log at debug',
    defaultText: 'info',
    valueName: 'LEVEL',
  },
  'log-format': {
    schema: choiceSetting(['auto', 'json', 'pretty'], 'auto'),
    description: 'json lines, or pretty text; auto: pretty when stdout is a terminal',
    defaultText: 'auto',
    valueName: 'FORMAT',
  },
} as const;

export type ServeSettings = SettingsOf<typeof serveSettings>;

/**
 * The app's start options from checked settings: reads and checks the TLS files and the auth file
 * now (a bad one is a one-line SettingsError naming the setting as `name` spells it).
 */
export function startOptionsFrom(command: string, settings: ServeSettings, log: Logger, name: SettingName = (setting) => `--${setting}`): StartOptions {
  return {
    storageUrl: settings.storage,
    storagePoolSize: settings['storage-pool-size'],
    storageConnectTimeoutMs: settings['storage-connect-timeout'],
    synchronous: settings.synchronous,
    indexDir: settings['index-dir'],
    host: settings.host,
    port: settings.port,
    seedFile: settings.seed,
    seedRead: readOptionsFrom(settings),
    empty: settings.empty,
    replayLimit: settings['replay-limit'],
    watchBuffer: settings['watch-buffer'],
    log,
    tls: serverTlsFrom(command, settings, name),
    limits: {
      maxMessageBytes: settings['max-message-size'],
      maxConcurrentStreams: settings['max-concurrent-streams'],
      keepaliveTimeMs: settings['keepalive-time'],
      keepaliveTimeoutMs: settings['keepalive-timeout'],
      maxConnections: settings['max-connections'],
      connectionSetupTimeoutMs: settings['connection-setup-timeout'],
      httpMaxConnections: settings['http-max-connections'],
      httpHeadersTimeoutMs: settings['http-headers-timeout'],
      httpBodyTimeoutMs: settings['http-body-timeout'],
    },
    access: accessOptionsFrom(command, settings, name),
    streamIdleTimeoutMs: settings['stream-idle-timeout'],
    notesMaxAgeMs: settings['notes-max-age'],
    metricsPort: settings['metrics-port'],
    metricsHost: settings['metrics-host'],
    http:
      settings['http-port'] === undefined
        ? undefined
        : { port: settings['http-port'], host: settings['http-host'], corsOrigins: settings['http-cors-origin'] },
  };
}
