import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import { BIN, ensureBuilt } from './build.js';

export { ensureBuilt } from './build.js';

/** The test runner's environment without ROUTEGUIDE_* settings, plus `extra`. */
function cleanEnvironment(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('ROUTEGUIDE_')));
  return { ...env, ...extra };
}

/**
 * Spawns the CLI. A child still running when its test ends (a test that timed out, say) is killed
 * then, rather than left serving after the test process is gone.
 */
function spawnCli(args: readonly string[], options: SpawnOptions): ChildProcess {
  const child = spawn(process.execPath, [BIN, ...args], options);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    onTestFinished(async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGKILL');
      await exited;
    });
  } catch {
    // Spawned outside a test, in a hook: that hook's counterpart stops it.
  }
  return child;
}

/**
 * The working directory for one run: `cwd` if given, else a fresh temporary directory, so that a run
 * that falls back to the defaults (./data, say) cannot write into the repository.
 */
function workingDirectory(cwd: string | undefined): { path: string; throwaway: boolean; remove(): void } {
  if (cwd !== undefined) return { path: cwd, throwaway: false, remove: () => {} };
  const path = mkdtempSync(join(tmpdir(), 'routeguide-cli-'));
  return { path, throwaway: true, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** What the run left in its throwaway working directory; undefined when the caller gave a cwd. */
  readonly leftInWorkingDirectory: readonly string[] | undefined;
}

/**
 * Runs the CLI (built first if src/ changed) to completion, in `cwd` or else a throwaway directory.
 * A run still going after `timeoutMs` (a `serve` that should have refused to start, say) is killed
 * and fails, rather than outliving the test.
 */
export function runCli(
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; input?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  ensureBuilt();
  const cwd = workingDirectory(options.cwd);
  const timeoutMs = options.timeoutMs ?? 15_000;
  return new Promise((resolve, reject) => {
    const child = spawnCli(args, {
      cwd: cwd.path,
      env: cleanEnvironment(options.env),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      cwd.remove();
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const leftInWorkingDirectory = cwd.throwaway ? readdirSync(cwd.path) : undefined;
      cwd.remove();
      if (timedOut) reject(new Error(`routeguide ${args.join(' ')} was still running after ${timeoutMs} ms; killed it. stderr:\n${stderr}`));
      else resolve({ code, stdout, stderr, leftInWorkingDirectory });
    });
    child.stdin!.end(options.input ?? '');
  });
}

export interface ServerProcess {
  readonly child: ChildProcess;
  readonly target: string;
  /** Everything the process wrote on stdout so far. */
  stdout(): string;
  /** Everything the process wrote on stderr so far. */
  stderr(): string;
  /** Everything the process wrote on stdout so far. */
  stdout(): string;
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts `routeguide serve --port 0 ...` (in `cwd` or else a throwaway directory, removed when the
 * process exits) and resolves once it prints `listening on HOST:PORT`.
 */
export function startServerProcess(args: readonly string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<ServerProcess> {
  ensureBuilt();
  const cwd = workingDirectory(options.cwd);
  return new Promise((resolve, reject) => {
    const child = spawnCli(['serve', '--port', '0', ...args], {
      cwd: cwd.path,
      env: cleanEnvironment(options.env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const exited = new Promise<number | null>((done) =>
      child.on('exit', (code) => {
        cwd.remove();
        done(code);
      }),
    );
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /^listening on (\S+)\n/m.exec(stdout);
      if (match) {
        resolve({
          child,
          target: match[1]!,
          stdout: () => stdout,
          stderr: () => stderr,
          stop: (signal = 'SIGTERM') => {
            if (child.exitCode === null) child.kill(signal);
            return exited;
          },
        });
      }
    });
    child.on('exit', (code) => reject(new Error(`server exited with ${code} before listening:\n${stderr}`)));
  });
}

/**
 * Runs the CLI with its stdout read like `| head -1`: the pipe is closed after the first line, while
 * the CLI may still have thousands to write. Resolves with what arrived, stderr and the exit code.
 */
export async function runIntoClosingPipe(args: readonly string[]): Promise<{ received: string; stderr: string; code: number | null }> {
  ensureBuilt();
  const child = spawnCli(args, { stdio: ['ignore', 'pipe', 'pipe'], env: cleanEnvironment() });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let received = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    received += chunk.toString();
    if (received.includes('\n')) child.stdout!.destroy();
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { received, stderr, code };
}

/** The JSON log lines in a process's stderr (`--log-format json`), skipping any other line. */
export function jsonLogLines<T = Record<string, unknown>>(stderr: string): T[] {
  return stderr
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as T);
}
