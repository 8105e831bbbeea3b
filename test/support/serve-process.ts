import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { BIN, ensureBuilt, ROOT } from './build.js';

export interface ServeProcess {
  readonly child: ChildProcess;
  /** HOST:PORT from the `listening on` line. */
  readonly target: string;
  /** Resolves with the exit code (null if killed by a signal) and everything written to stderr. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

/** Starts `routeguide serve ARGS` and resolves once it prints `listening on HOST:PORT`. */
export function startServe(args: readonly string[]): Promise<ServeProcess> {
  ensureBuilt();
  const child = spawn(process.execPath, [BIN, 'serve', '--host', '127.0.0.1', '--port', '0', '--log-format', 'json', ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '' },
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal, stderr })),
  );
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      const match = /^listening on (\S+)/.exec(line);
      if (match) resolve({ child, target: match[1]!, exited });
    });
    void exited.then(({ code }) => reject(new Error(`routeguide serve exited (${code}) before listening:\n${stderr}`)));
  });
}
