import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin/routeguide.js');
const ENTRY = join(ROOT, 'dist/cli/main.js');

function newestSourceTime(directory: string): number {
  let newest = 0;
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSourceTime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function isBuilt(): boolean {
  try {
    return statSync(ENTRY).mtimeMs >= newestSourceTime(join(ROOT, 'src'));
  } catch {
    return false;
  }
}

/** Held while one test process compiles, so another never runs a half-written dist/. */
const BUILD_LOCK = join(ROOT, 'dist/.test-build-lock');
const STALE_LOCK_MS = 120_000;

function lockBuild(): void {
  mkdirSync(dirname(BUILD_LOCK), { recursive: true });
  for (;;) {
    try {
      mkdirSync(BUILD_LOCK);
      return;
    } catch {
      // Left behind by a killed run: take it over.
      const lock = statSync(BUILD_LOCK, { throwIfNoEntry: false });
      if (lock && Date.now() - lock.mtimeMs > STALE_LOCK_MS) rmSync(BUILD_LOCK, { recursive: true, force: true });
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
    }
  }
}

/** Compiles src/ to dist/ when dist is missing or older than a source file, so child processes run this code. */
export function ensureBuilt(): void {
  if (isBuilt()) return;
  lockBuild();
  try {
    if (!isBuilt()) {
      execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json')], { cwd: ROOT, stdio: 'inherit' });
    }
  } finally {
    rmSync(BUILD_LOCK, { recursive: true, force: true });
  }
}

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `routeguide ARGS` to completion. The environment has no ROUTEGUIDE_* unless given. */
export function runCli(args: readonly string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export interface ServeProcess {
  readonly child: ChildProcess;
  /** HOST:PORT from the `listening on` line. */
  readonly target: string;
  /** Resolves with the exit code (null if killed by a signal) and everything written to stderr. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

/** Starts `routeguide serve ARGS` and resolves once it prints `listening on HOST:PORT`. */
export function startServe(args: readonly string[]): Promise<ServeProcess> {
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
      const match = /listening on (\S+)/.exec(line);
      if (match) resolve({ child, target: match[1]!, exited });
    });
    void exited.then(({ code }) => reject(new Error(`routeguide serve exited (${code}) before listening:\n${stderr}`)));
  });
}
