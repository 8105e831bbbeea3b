import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { BIN, ensureBuilt, ROOT } from './build.js';

export interface ServeProcess {
  readonly child: ChildProcess;
  /** HOST:PORT from the `listening on` line. */
  readonly target: string;
  /** HOST:PORT from the `http listening on` line, when serve has an HTTP port. */
  readonly httpTarget?: string;
  /** Everything written to stderr so far (the JSON log lines). */
  stderr(): string;
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
    let httpTarget: string | undefined;
    lines.on('line', (line) => {
      httpTarget = /^http listening on (\S+)/.exec(line)?.[1] ?? httpTarget;
      const match = /^listening on (\S+)/.exec(line);
      if (match) resolve({ child, target: match[1]!, httpTarget, exited, stderr: () => stderr });
    });
    void exited.then(({ code }) => reject(new Error(`routeguide serve exited (${code}) before listening:\n${stderr}`)));
  });
}
