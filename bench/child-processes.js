// Running node scripts from the benches, in the checkout's root: a command to its end, or a server
// until it prints its `listening on HOST:PORT` line. bench/live-load.js and bench/workers.js use it.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The checkout's root, where every script runs: `bin/routeguide.js` and `bench/...` are relative to it. */
export const root = dirname(dirname(fileURLToPath(import.meta.url)));

/** Runs a node script to completion (its stderr passes through); resolves with its stdout. */
export async function runNode(args) {
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk) => (out += chunk));
  const [code] = await once(child, 'exit');
  if (code !== 0) throw new Error(`${args.join(' ')} exited with ${code}`);
  return out;
}

/**
 * Starts a node script that serves (`bin/routeguide.js serve ...`) and resolves once it prints
 * `listening on HOST:PORT`: the child, that target and the seconds it took. Its stderr passes
 * through, or with `stderr: 'pipe'` waits in `child.stderr` for the caller to read (its log).
 */
export async function startServer(args, { stderr = 'inherit' } = {}) {
  const started = performance.now();
  const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', stderr] });
  const target = await listeningTarget(child, args);
  return { child, target, startupSeconds: (performance.now() - started) / 1000 };
}

/** Stops a server with SIGTERM (its graceful shutdown) and resolves once it has exited. */
export async function stopServer(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  await once(child, 'exit');
}

/** The address a server child prints in `listening on HOST:PORT`; rejects if it exits first (with `detail()` in the error). */
export function listeningTarget(child, args, detail = () => '') {
  let out = '';
  return new Promise((resolve, reject) => {
    const exited = (code) => reject(new Error(`${args.join(' ')} exited with ${code} before listening${detail()}`));
    child.once('exit', exited);
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const match = /^listening on (\S+)\n/m.exec(out);
      if (match === null) return;
      child.off('exit', exited);
      resolve(match[1]);
    });
  });
}
