import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRouteGuideClient, type RouteGuideClient } from '../../src/client/client.js';
import { ROOT } from '../support/build.js';
import { ensureBuilt, startServerProcess, jsonLogLines } from '../support/cli.js';

interface LogLine {
  readonly msg: string;
  readonly signal?: string;
  readonly cause?: string;
}

function logLines(stderr: string): LogLine[] {
  return jsonLogLines<LogLine>(stderr);
}

/** Resolves true if a new TCP server can listen on 127.0.0.1:`port`, i.e. nothing holds it any more. */
function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

/** The process's state letter from /proc (Z for a zombie), or undefined once it is gone. */
function processState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
  } catch {
    return undefined;
  }
}

/** The process's argv, read from /proc. */
function commandLine(pid: number): string[] {
  return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((part) => part !== '');
}

/** The pids whose parent is `parentPid`. */
function childrenOf(parentPid: number): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === parentPid;
      } catch {
        return false;
      }
    });
}

interface NpmStart {
  readonly npm: ChildProcess;
  readonly port: number;
  /** The server's pid: npm's only child. */
  readonly serverPid: number;
  /** Resolves when npm has exited and every process holding its output (the server too) has closed it. */
  readonly closed: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

/** The test runner's environment without ROUTEGUIDE_* settings or an outer npm's variables. */
function userEnvironment(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('ROUTEGUIDE_') && !name.startsWith('npm_')));
}

describe.skipIf(process.platform !== 'linux')('npm start under a supervisor', () => {
  const started: ChildProcess[] = [];
  const clients: RouteGuideClient[] = [];

  beforeAll(() => ensureBuilt(), 60_000);
  afterEach(() => {
    for (const client of clients.splice(0)) client.close();
    // npm runs in its own process group, with the server in it even once orphaned: kill them all.
    for (const npm of started.splice(0)) {
      try {
        process.kill(-npm.pid!, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  });

  /** Runs `npm start` in its own process group, on a free port with memory storage, until it listens. */
  function npmStart(settings: Record<string, string> = {}): Promise<NpmStart> {
    const npm = spawn('npm', ['start', '--silent'], {
      cwd: ROOT,
      env: {
        ...userEnvironment(),
        ROUTEGUIDE_PORT: '0',
        ROUTEGUIDE_HTTP_PORT: '0',
        ROUTEGUIDE_STORAGE: 'memory:',
        ROUTEGUIDE_LOG_FORMAT: 'json',
        ROUTEGUIDE_LOG_LEVEL: 'debug',
        ...settings,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    started.push(npm);
    let stdout = '';
    let stderr = '';
    npm.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) =>
      npm.once('close', (code, signal) => resolve({ code, signal, stderr })),
    );
    return new Promise((resolve, reject) => {
      npm.stdout!.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        const match = /^listening on 127\.0\.0\.1:(\d+)\n/m.exec(stdout);
        if (match) resolve({ npm, port: Number(match[1]), serverPid: childrenOf(npm.pid!)[0]!, closed });
      });
      void closed.then(({ code }) => reject(new Error(`npm start exited (${code}) before listening:\n${stderr}`)));
    });
  }

  /** Holds a RouteChat open, so that shutdown lasts the grace period and a late signal lands in it. */
  async function holdStreamOpen(port: number): Promise<void> {
    const client = createRouteGuideClient(`127.0.0.1:${port}`);
    clients.push(client);
    const chat = client.raw.routeChat();
    chat.on('error', () => {});
    const replied = new Promise((resolve) => chat.once('data', resolve));
    const here = { latitude: 1, longitude: 1 };
    chat.write({ location: here, message: 'keeps the stream open' });
    chat.write({ location: here, message: 'is answered with the first' });
    await replied;
  }

  async function expectServerGone(run: NpmStart): Promise<void> {
    const state = processState(run.serverPid);
    expect(state === undefined || state === 'Z').toBe(true);
    expect(await portIsFree(run.port)).toBe(true);
  }

  it('runs node itself, with the production command\'s V8 flag and no shell between npm and the server', { timeout: 30_000 }, async () => {
    const run = await npmStart();
    expect(childrenOf(run.npm.pid!)).toEqual([run.serverPid]);
    // The flag that keeps RSS after load under 300 MiB (docs/performance.md), as the README's command passes it.
    expect(commandLine(run.serverPid).slice(1)).toEqual(['--max-semi-space-size=4', 'bin/routeguide.js', 'serve']);
    run.npm.kill('SIGTERM');
    expect((await run.closed).code).toBe(0);
  });

  it.each(['SIGTERM', 'SIGINT'] as const)(
    '%s sent to npm reaches the server, which shuts down gracefully; npm exits 0 and the port is free',
    { timeout: 30_000 },
    async (signal) => {
      const run = await npmStart();
      run.npm.kill(signal);
      const exit = await run.closed;
      expect(exit.code).toBe(0);
      const messages = logLines(exit.stderr);
      expect(messages.find((line) => line.msg === 'shutting down')?.signal).toBe(signal);
      expect(messages.at(-1)?.msg).toBe('stopped');
      await expectServerGone(run);
    },
  );

  it('SIGTERM sent to the whole process group, which npm forwards too, is one signal, not two', { timeout: 30_000 }, async () => {
    const run = await npmStart({ ROUTEGUIDE_SHUTDOWN_GRACE: '1' });
    await holdStreamOpen(run.port);
    process.kill(-run.npm.pid!, 'SIGTERM');
    const exit = await run.closed;
    expect(exit.code).toBe(0);
    const messages = logLines(exit.stderr).map((line) => line.msg);
    // npm's copy arrives within milliseconds of the first, or merges with it while both are pending.
    expect(messages).not.toContain('second signal: exiting now');
    expect(messages).toContain('grace period over; ending open streams with UNAVAILABLE');
    expect(messages.at(-1)).toBe('stopped');
    await expectServerGone(run);
  });

  it('SIGHUP sent to the whole process group (a closed terminal) shuts the server down gracefully', { timeout: 30_000 }, async () => {
    const run = await npmStart();
    process.kill(-run.npm.pid!, 'SIGHUP');
    const exit = await run.closed;
    // npm does not handle SIGHUP and dies of it; the server got its own copy.
    expect(exit.signal).toBe('SIGHUP');
    const messages = logLines(exit.stderr);
    expect(messages.find((line) => line.msg === 'shutting down')?.signal).toBe('SIGHUP');
    expect(messages.at(-1)?.msg).toBe('stopped');
    await expectServerGone(run);
  });

  it('SIGHUP sent to npm alone, which npm does not forward: the orphaned server shuts down gracefully', { timeout: 30_000 }, async () => {
    const run = await npmStart();
    run.npm.kill('SIGHUP');
    const exit = await run.closed;
    expect(exit.signal).toBe('SIGHUP');
    const messages = logLines(exit.stderr);
    expect(messages.find((line) => line.msg === 'shutting down')?.cause).toBe('parent exited');
    expect(messages.at(-1)?.msg).toBe('stopped');
    await expectServerGone(run);
  });
});

describe('routeguide serve stop signals', () => {
  it('treats SIGHUP like SIGTERM: graceful shutdown with its log lines, exit 0', { timeout: 30_000 }, async () => {
    // Not under npm, as a supervisor runs it: npm_lifecycle_event would turn on the npm-specific handling.
    const server = await startServerProcess(['--storage', 'memory:', '--log-format', 'json'], { env: { npm_lifecycle_event: undefined } });
    expect(await server.stop('SIGHUP')).toBe(0);
    const messages = logLines(server.stderr());
    expect(messages.find((line) => line.msg === 'shutting down')?.signal).toBe('SIGHUP');
    expect(messages.map((line) => line.msg)).toContain('health NOT_SERVING; no longer accepting calls');
    expect(messages.at(-1)?.msg).toBe('stopped');
  });
});
