// Servers for bench/index-scale.js: `routeguide serve` (one process or --workers N) and the bare
// grpc-js ceiling, started from the checkout's root, optionally pinned to a core, timed from spawn to
// their `listening on` line, with their log (stderr) kept for the figures it carries.
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { onCore } from './goload.js';

/**
 * Starts `node ...args` in `root` (on `core`, when given and pinning) and resolves once it prints
 * `listening on HOST:PORT`: { child, target, startupSeconds, log() } where log() is its stderr so far.
 */
export async function startServer(root, args, { core } = {}) {
  const started = performance.now();
  const [command, commandArgs] = core === undefined ? [process.execPath, args] : onCore(core, process.execPath, args);
  const child = spawn(command, commandArgs, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (chunk) => (err += chunk));
  const target = await new Promise((resolve, reject) => {
    const exited = (code) => reject(new Error(`${args.join(' ')} exited with ${code} before listening: ${err.slice(-2000)}`));
    child.once('exit', exited);
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const match = /^listening on (\S+)\n/m.exec(out);
      if (match === null) return;
      child.off('exit', exited);
      resolve(match[1]);
    });
  });
  const startupSeconds = (performance.now() - started) / 1000;
  return { child, pid: child.pid, target, startupSeconds, log: () => err };
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

/** What the server's log says of its index: the load's milliseconds and whether it read the file instead of mapping it. */
export function indexLog(text) {
  const loaded = /"ms":(\d+)[^\n]*"msg":"index loaded"/.exec(text);
  return {
    indexLoadMs: loaded ? Number(loaded[1]) : undefined,
    notMapped: /index file read into memory, not mapped/.test(text),
    rebuilt: /index file cannot be used/.test(text),
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
