import { formatHostPort } from '../common/host-port.js';
import { camelCase, kebabCase, parseSettings, SettingsError, type OptionsOf } from '../common/settings.js';
import { createLogger } from '../observability/logger.js';
import { serveSettings, startOptionsFrom } from './serve-settings.js';
import { startApp } from './start-app.js';
import { checkStorageAfterListening } from './storage-check.js';

/**
 * The settings of `routeguide serve`, in camelCase, with its defaults, except that `storage` is
 * `memory:` and `port` is 0 (a free port). Durations are in seconds, as on the command line.
 */
export interface RouteGuideOptions {
  /** `memory:` (default here), `sqlite:<path>`, `postgres://USER:PASSWORD@HOST:PORT/DATABASE`. */
  readonly storage?: string;
  /** Connections to PostgreSQL (default 10). */
  readonly storagePoolSize?: number;
  /** Seconds to keep retrying an unreachable PostgreSQL at start (default: keep trying). */
  readonly storageConnectTimeout?: number;
  /** Default `127.0.0.1`. */
  readonly host?: string;
  /** Default 0: a free port, see `RouteGuideServer.port`. */
  readonly port?: number;
  /** Serve Connect, gRPC-Web, /healthz and the map over HTTP on this port (0 picks a free one); default: no HTTP. */
  readonly httpPort?: number;
  /** Default: the `host` value. */
  readonly httpHost?: string;
  /** Other browser origins that may call the HTTP port: comma-separated, or `*`; default: same origin only. */
  readonly httpCorsOrigin?: string;
  /** A feature file to import at start (duplicates skipped), its format from the extension (.json, .geojson, .csv, .geojsonl, .ndjson, .geojsons). */
  readonly seed?: string;
  /** Do not seed an empty storage with the canonical 100 features. */
  readonly empty?: boolean;
  /** The `seed` file's latitude column (CSV, GeoParquet), any case; default latitude, lat or y. */
  readonly latColumn?: string;
  /** The `seed` file's longitude column (CSV, GeoParquet), any case; default longitude, lng, lon, long or x. */
  readonly lngColumn?: string;
  /** The `seed` file's name column (CSV, GeoParquet) or property (FlatGeobuf); a dotted path reaches into nested columns; default name. */
  readonly nameColumn?: string;
  /** Skip and count the `seed` file's invalid records instead of failing at the first (default false). */
  readonly skipInvalid?: boolean;
  /** Most recent notes RouteChat replays at one location (default 1000). */
  readonly replayLimit?: number;
  /** Delete notes older than this many seconds, in the background (default: keep forever). */
  readonly notesMaxAge?: number;
  /** Seconds open streams get to finish on close() before they end with UNAVAILABLE (default 10). */
  readonly shutdownGrace?: number;
  /** End a stream that makes no progress for this many seconds (default 300; 0: never). */
  readonly streamIdleTimeout?: number;
  readonly maxMessageSize?: number;
  readonly maxConcurrentStreams?: number;
  readonly keepaliveTime?: number;
  readonly keepaliveTimeout?: number;
  /** Connections the gRPC port holds at once (default 10000). */
  readonly maxConnections?: number;
  /** Seconds a new gRPC connection gets for its TLS handshake and HTTP/2 preface (default 10). */
  readonly connectionSetupTimeout?: number;
  /** Connections the HTTP port holds at once (default 10000). */
  readonly httpMaxConnections?: number;
  /** Seconds an HTTP request's headers get to arrive (default 10). */
  readonly httpHeadersTimeout?: number;
  /** Seconds an HTTP request's body gets to arrive whole, unless it is a client stream (default 30). */
  readonly httpBodyTimeout?: number;
  /** PEM certificate chain file: serve TLS (with `tlsKey`). */
  readonly tlsCert?: string;
  readonly tlsKey?: string;
  /** PEM CA file: require client certificates it signed (mTLS). */
  readonly tlsClientCa?: string;
  /** The auth file: clients, their scopes and credentials (token hashes, certificate names); reloaded when it changes. */
  readonly authFile?: string;
  /** What a caller without a known token or certificate may do (default `write`; `read` with `authFile`). */
  readonly anonymous?: 'none' | 'read' | 'write';
  /** Notes a second each client may store (`Infinity`: unlimited); default unlimited, or 50 for each anonymous address with `authFile`. */
  readonly writeRate?: number;
  /** Streaming calls each client may have open (`Infinity`: unlimited); default unlimited, or 100 for each anonymous address with `authFile`. */
  readonly maxStreamsPerClient?: number;
  /** Serve Prometheus metrics on this port (0 picks a free one); default: no metrics. */
  readonly metricsPort?: number;
  readonly metricsHost?: string;
  /** Where a PostgreSQL storage's index files live, one for each database (default `./data/index`); SQLite's lies beside the database. */
  readonly indexDir?: string;
  /** SQLite durability: `normal` (default) or `full`. */
  readonly synchronous?: 'normal' | 'full';
  /** Structured logs on stderr (default `info`; `silent` for none). */
  readonly logLevel?: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  readonly logFormat?: 'auto' | 'json' | 'pretty';
}

/** A running embedded server. */
export interface RouteGuideServer {
  /** `host:port`, ready for `createRouteGuideClient`. */
  readonly address: string;
  readonly port: number;
  /** `host:port` of the HTTP port, when `httpPort` was given. */
  readonly httpAddress?: string;
  /** The HTTP port, when `httpPort` was given. */
  readonly httpPort?: number;
  /** The metrics port, when `metricsPort` was given. */
  readonly metricsPort?: number;
  /**
   * Graceful stop, as `serve` does on SIGTERM: stops accepting calls, gives open streams
   * `graceSeconds` (default `shutdownGrace`) to finish, ends the rest with UNAVAILABLE, closes storage.
   * A server whose SQLite file fails its integrity check (run once it serves) logs one error line
   * and stops itself so; close() then resolves when that stop does.
   */
  close(graceSeconds?: number): Promise<void>;
}

const COMMAND = 'startRouteGuide';

/**
 * The options the settings table gives an embedded server: every setting of `serve`, camelCase, as
 * its typed value, but `workers` (an embedded server is one process) and `watchBuffer` (accepted,
 * but not declared in RouteGuideOptions, whose published declaration this change keeps as it was).
 */
type TableOptions = Omit<OptionsOf<typeof serveSettings>, 'workers' | 'watchBuffer'>;
/** True when A and B are the same type, property by property. */
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Expect<T extends true> = T;
/**
 * RouteGuideOptions is written out above for the documentation of each option. This stops the build
 * when it and the settings table disagree: a setting without its option, or an option of another type.
 */
type OptionsMatchTheSettingsTable = Expect<Same<RouteGuideOptions, TableOptions>>;

/**
 * Starts RouteGuide in this process through the same composition root as `routeguide serve`, and
 * resolves once it is serving. Options are checked as `serve` checks its flags: a bad one rejects
 * with one line naming the option, the value and what is allowed.
 */
export async function startRouteGuide(options: RouteGuideOptions = {}): Promise<RouteGuideServer> {
  // Checked by serve's settings table as the values they are, not as text.
  const given: Record<string, unknown> = { storage: 'memory:', port: 0 };
  for (const [name, value] of Object.entries(options)) {
    if (value === undefined) continue;
    const setting = kebabCase(name);
    if (!Object.hasOwn(serveSettings, setting)) {
      const known = Object.keys(serveSettings).map(camelCase).join(', ');
      throw new SettingsError(`${COMMAND}: unknown option ${name}; the options are ${known}`);
    }
    given[setting] = value;
  }
  const settings = parseSettings(COMMAND, serveSettings, given, camelCase);
  if (settings.workers !== 1) {
    throw new SettingsError(`${COMMAND}: invalid workers=${JSON.stringify(String(given.workers))}: an embedded server is this one process; routeguide serve --workers N runs several`);
  }
  const format = settings['log-format'];
  const log = createLogger(settings['log-level'], format === 'auto' ? {} : { pretty: format === 'pretty' });
  const running = await startApp(startOptionsFrom(COMMAND, settings, log, camelCase));
  let stopping: Promise<void> | undefined;
  const stop = (graceMs: number): Promise<void> =>
    (stopping ??= (async () => {
      const checkStopped = check.stop();
      await running.stop(graceMs);
      await checkStopped;
    })());
  // As `serve` does: a storage that fails the check its open left out stops the server.
  const check = checkStorageAfterListening(running.storageUrl, log, () => {
    stop(settings['shutdown-grace']).catch((error: unknown) => log.error({ err: error }, 'shutdown failed'));
  });
  return {
    address: formatHostPort(running.host, running.port),
    port: running.port,
    ...(running.http ? { httpAddress: formatHostPort(running.http.host, running.http.port), httpPort: running.http.port } : {}),
    metricsPort: running.metricsPort,
    close: (graceSeconds) => stop(graceSeconds === undefined ? settings['shutdown-grace'] : graceSeconds * 1000),
  };
}
