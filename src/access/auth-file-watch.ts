import { readFileSync, statSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import type { Logger } from '../observability/logger.js';
import { AuthFileError, parseAuthFile, type AuthTable } from './auth-file.js';

/** What tells one version of the file from another: an editor that saves by renaming a new file changes the inode. */
interface FileVersion {
  readonly size: number;
  readonly mtimeMs: number;
  readonly ino: number;
}

/** An auth file as read at start: its clients and which version of the file they came from. */
export interface LoadedAuthFile {
  readonly path: string;
  readonly table: AuthTable;
  readonly version: FileVersion;
}

function sameVersion(a: FileVersion, b: FileVersion): boolean {
  return a.size === b.size && a.mtimeMs === b.mtimeMs && a.ino === b.ino;
}

function versionOf(stats: { size: number; mtimeMs: number; ino: number }): FileVersion {
  return { size: stats.size, mtimeMs: stats.mtimeMs, ino: stats.ino };
}

/** Reads and parses the auth file now; throws AuthFileError for a bad line, or the read's own error. */
export function readAuthFile(path: string): LoadedAuthFile {
  const version = versionOf(statSync(path));
  return { path, table: parseAuthFile(readFileSync(path, 'utf8')), version };
}

export interface AuthFileWatch {
  /** The clients in force. */
  current(): AuthTable;
  /** Reloads the file if it changed since the version in force (the watch does this every second). */
  check(): Promise<void>;
  stop(): void;
}

/** How often the file is looked at. */
const CHECK_INTERVAL_MS = 1000;

/**
 * Keeps the auth file's clients in force and reloads them when the file changes (its size,
 * modification time or inode), checked every second; no restart, and SIGHUP keeps its meaning
 * (stop). A version that does not parse, or a file that cannot be read, leaves the clients loaded
 * before in force and is logged once, naming the bad line (never a credential).
 */
export function watchAuthFile(loaded: LoadedAuthFile, log: Logger, intervalMs = CHECK_INTERVAL_MS): AuthFileWatch {
  const { path } = loaded;
  let table = loaded.table;
  let inForce = loaded.version;
  /** The last version that failed, or the last read error, so that each is logged once. */
  let reported: FileVersion | string | undefined;
  let checking: Promise<void> | undefined;

  const check = async (): Promise<void> => {
    let version: FileVersion;
    let text: string;
    try {
      version = versionOf(await stat(path));
      if (sameVersion(version, inForce) || (typeof reported === 'object' && sameVersion(version, reported))) return;
      text = await readFile(path, 'utf8');
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      if (reported !== reason) log.error({ path, reason }, 'cannot read the auth file; the clients loaded before stay in force');
      reported = reason;
      return;
    }
    try {
      table = parseAuthFile(text);
    } catch (error) {
      if (!(error instanceof AuthFileError)) throw error;
      log.error({ path, line: error.line }, `auth file ${error.message}; the clients loaded before stay in force`);
      reported = version;
      return;
    }
    inForce = version;
    reported = undefined;
    log.info({ path, clients: table.size }, 'auth file reloaded');
  };

  const timer = setInterval(() => {
    checking ??= check()
      .catch((error: unknown) => log.error({ err: error, path }, 'checking the auth file failed'))
      .finally(() => (checking = undefined));
  }, intervalMs);
  timer.unref();

  return {
    current: () => table,
    check,
    stop: () => clearInterval(timer),
  };
}
