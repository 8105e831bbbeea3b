/**
 * Storage URLs: the one parser (parseStorageUrl) and the one redaction (redactStorageUrl). The
 * composition root reads a URL once (readStorageUrl) and passes the result on.
 */
import { resolve } from 'node:path';
import { StorageUrlError } from './errors.js';
import { DEFAULT_PORT, SSL_MODES, type PostgresTarget, type SslMode } from './postgres/options.js';

export const SUPPORTED_SCHEMES = ['memory:', 'sqlite:<path>', 'postgres://USER:PASSWORD@HOST:PORT/DATABASE'] as const;

export type StorageLocation =
  | { readonly scheme: 'memory' }
  | { readonly scheme: 'sqlite'; readonly path: string }
  | ({ readonly scheme: 'postgres' } & PostgresTarget);

/** The query parameters a PostgreSQL URL may carry. */
const POSTGRES_PARAMETERS = ['sslmode', 'application_name'] as const;

/**
 * The URL with any password replaced by `***`, for logs and errors. It works on text that is not a
 * valid URL too: everything between the first colon after `//` and the last `@` is the password.
 */
export function redactStorageUrl(url: string): string {
  const start = url.indexOf('//');
  const at = url.lastIndexOf('@');
  if (start === -1 || at < start) return url;
  const colon = url.indexOf(':', start + 2);
  if (colon === -1 || colon > at) return url;
  return `${url.slice(0, colon + 1)}***${url.slice(at)}`;
}

function decode(text: string, what: string, redacted: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new StorageUrlError(`storage URL "${redacted}": the ${what} has a bad %-escape`);
  }
}

/** `postgres://[USER[:PASSWORD]@]HOST[:PORT]/DATABASE[?sslmode=...&application_name=...]`. */
function parsePostgresUrl(url: string): StorageLocation {
  const redacted = redactStorageUrl(url);
  const fail = (problem: string): never => {
    throw new StorageUrlError(`storage URL "${redacted}": ${problem}`);
  };
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return fail('not a valid URL; expected postgres://USER:PASSWORD@HOST:PORT/DATABASE');
  }
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '') fail('needs a host, as in postgres://USER:PASSWORD@HOST:PORT/DATABASE');
  const database = decode(parsed.pathname.replace(/^\//, ''), 'database name', redacted);
  if (database === '' || database.includes('/')) fail('needs one database name after the host, as in postgres://USER@HOST/DATABASE');
  const port = parsed.port === '' ? DEFAULT_PORT : Number(parsed.port);
  if (port < 1) fail(`port ${parsed.port} must be between 1 and 65535`);
  let sslMode: SslMode | undefined;
  let applicationName: string | undefined;
  for (const [name, value] of parsed.searchParams) {
    if (name === 'sslmode') {
      if (!(SSL_MODES as readonly string[]).includes(value)) fail(`sslmode "${value}" must be one of ${SSL_MODES.join(', ')}`);
      sslMode = value as SslMode;
    } else if (name === 'application_name') {
      applicationName = value;
    } else {
      fail(`unknown parameter "${name}"; supported: ${POSTGRES_PARAMETERS.join(', ')}`);
    }
  }
  const user = parsed.username === '' ? undefined : decode(parsed.username, 'user name', redacted);
  const password = parsed.password === '' ? undefined : decode(parsed.password, 'password', redacted);
  return { scheme: 'postgres', host, port, database, user, password, sslMode, applicationName, redacted };
}


export { StorageUrlError };

/**
 * Parses a storage URL: `memory:`, `sqlite:<path>` (the path absolute or relative to the working
 * directory) or `postgres://...` (also `postgresql://`). This is the one place that knows the URL syntax.
 */
export function parseStorageUrl(url: string, cwd: string = process.cwd()): StorageLocation {
  const colon = url.indexOf(':');
  const scheme = colon === -1 ? '' : url.slice(0, colon);
  const rest = colon === -1 ? url : url.slice(colon + 1);
  if (scheme === 'memory') {
    if (rest !== '') throw new StorageUrlError(`storage URL "${url}": memory: takes nothing after the colon`);
    return { scheme: 'memory' };
  }
  if (scheme === 'sqlite') {
    // Accept sqlite://relative and sqlite:///absolute as well as the plain form.
    const path = rest.startsWith('//') ? rest.slice(2) : rest;
    if (path === '') throw new StorageUrlError(`storage URL "${url}": sqlite: needs a file path, e.g. sqlite:./data/rg.db`);
    return { scheme: 'sqlite', path: resolve(cwd, path) };
  }
  if (scheme === 'postgres' || scheme === 'postgresql') return parsePostgresUrl(url);
  throw new StorageUrlError(
    `storage URL "${redactStorageUrl(url)}": unknown scheme; supported: ${SUPPORTED_SCHEMES.join(', ')}`,
  );
}

/** A storage URL read once, where start-up begins: the text as given, the text to show, and what it names. */
export interface StorageUrl {
  readonly text: string;
  /** The text with any password replaced by `***`: the only form logged or shown in a message. */
  readonly shown: string;
  readonly location: StorageLocation;
}

/** Reads a storage URL (see parseStorageUrl), or throws a StorageUrlError that never shows its password. */
export function readStorageUrl(text: string, cwd?: string): StorageUrl {
  return { text, shown: redactStorageUrl(text), location: parseStorageUrl(text, cwd) };
}
