// Servers for bench/index-scale.js: `routeguide serve` (one process or --workers N) and the bare
// grpc-js ceiling, started from the checkout's root, optionally pinned to a core, timed from spawn to
// their `listening on` line, with their log (stderr) kept for the figures it carries.
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { onCore } from './goload.js';
import { listeningTarget } from './child-processes.js';

/**
 * Starts `node ...args` in `root` (on `core`, when given and pinning) and resolves once it prints
 * `listening on HOST:PORT`: { child, target, startupSeconds, log() } where log() is its stderr so far.
 */
export async function startServer(root, args, { core } = {}) {
  const started = performance.now();
  const spawnedAt = Date.now();
  const [command, commandArgs] = core === undefined ? [process.execPath, args] : onCore(core, process.execPath, args);
  const child = spawn(command, commandArgs, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (chunk) => (err += chunk));
  const target = await listeningTarget(child, args, () => `: ${err.slice(-2000)}`);
  const startupSeconds = (performance.now() - started) / 1000;
  return { child, pid: child.pid, target, startupSeconds, spawnedAt, log: () => err };
}

/** Stops a server with SIGTERM and resolves once it has exited (SIGKILL after `graceMs`). */
export async function stopServer(server, graceMs = 15_000) {
  const { child } = server;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  child.kill('SIGTERM');
  await once(child, 'exit');
  clearTimeout(killer);
}

/** `routeguide serve` on `database`, one process (or `workers`), its log at info level on stderr. */
export function serveArgs(database, { workers } = {}) {
  return [
    '--max-semi-space-size=4',
    'bin/routeguide.js',
    'serve',
    '--storage',
    `sqlite:${database}`,
    '--port',
    '0',
    '--log-level',
    'info',
    '--shutdown-grace',
    '1',
    ...(workers ? ['--workers', String(workers)] : []),
  ];
}

/** The epoch milliseconds of the first log line whose msg is `msg`. */
function loggedAt(text, msg) {
  const line = text.split('\n').find((l) => l.includes(`"msg":"${msg}"`));
  return line === undefined ? undefined : JSON.parse(line).time;
}

/**
 * What a started server's log (JSON, info level) says of its start: the index load's milliseconds,
 * whether it read the file instead of mapping it or rebuilt it, and the start's parts, in seconds
 * from spawn: to `storage open` (node's start, opening and checking the database), from there to
 * `index loaded`, and from there to `listening on`.
 */
export function startLog(server) {
  const text = server.log();
  const loaded = /"ms":(\d+)[^\n]*"msg":"index loaded"/.exec(text);
  const storageOpen = loggedAt(text, 'storage open');
  const indexLoaded = loggedAt(text, 'index loaded');
  const seconds = (from, to) => (from === undefined || to === undefined ? undefined : (to - from) / 1000);
  return {
    indexLoadMs: loaded ? Number(loaded[1]) : undefined,
    notMapped: /index file read into memory, not mapped/.test(text),
    rebuilt: /index file cannot be used/.test(text),
    toStorageOpenSeconds: seconds(server.spawnedAt, storageOpen),
    storageOpenToIndexLoadedSeconds: seconds(storageOpen, indexLoaded),
    indexLoadedToListeningSeconds: seconds(indexLoaded, server.spawnedAt + server.startupSeconds * 1000),
  };
}

/** Empties the page cache (as root): sync, then drop_caches 3. False, with the reason, when it cannot. */
export function dropCaches() {
  try {
    execFileSync('sync');
    writeFileSync('/proc/sys/vm/drop_caches', '3');
    return { dropped: true };
  } catch (error) {
    return { dropped: false, reason: error.message.split('\n')[0] };
  }
}
