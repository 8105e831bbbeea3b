import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRouteGuideClient } from '../../src/client/client.js';
import { ROOT } from '../support/build.js';
import { ensureBuilt, runCli, startServerProcess } from '../support/cli.js';
import { corruptIndexReadByNothingAtStart } from '../support/corrupt-database.js';
import { countStoredFeatures, temporaryDirectory } from '../support/servers.js';

// Absolute: CLI runs get a throwaway working directory, not the repository.
const CANONICAL = join(ROOT, 'seed', 'route_guide_db.json');
const directory = temporaryDirectory();
// Compiling dist/ takes seconds: not inside the first test's timeout.
beforeAll(() => ensureBuilt(), 120_000);
afterAll(() => directory.remove());

describe('routeguide seed', () => {
  it('imports the canonical file, then skips every feature as a duplicate on a second run', async () => {
    const url = `sqlite:${join(directory.path, 'seeded.db')}`;
    const first = await runCli(['seed', '--storage', url, CANONICAL]);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('seeded 100 features');
    expect(first.stdout).toContain('0 duplicates skipped');
    const second = await runCli(['seed', '--storage', url, CANONICAL]);
    expect(second.stdout).toContain('seeded 0 features');
    expect(second.stdout).toContain('100 duplicates skipped');
    expect(await countStoredFeatures(url)).toBe(100);
  });

  it.each([
    ['not JSON', '[{"location": ', /not valid JSON/],
    ['the wrong shape', '{"features": []}', /must be a JSON array of features/],
    [
      'an out-of-range coordinate',
      JSON.stringify([
        { location: { latitude: 1, longitude: 1 }, name: 'fine' },
        { location: { latitude: 900000001, longitude: 1 }, name: 'bad' },
      ]),
      /entry 1: location\.latitude: 900000001 is out of range/,
    ],
    ['truncated', readFileSync(CANONICAL, 'utf8').slice(0, 2000), /not valid JSON/],
    [
      'a wrong type in an entry',
      JSON.stringify([{ location: { latitude: '1', longitude: 1 }, name: 'bad' }]),
      /entry 0: location\.latitude: must be an integer, got "1"/,
    ],
  ])('rejects a file that is %s and writes nothing', async (_what, text, message) => {
    const file = join(directory.path, `bad-${Math.random()}.json`);
    writeFileSync(file, text);
    const url = `sqlite:${join(directory.path, `bad-${Math.random()}.db`)}`;
    const result = await runCli(['seed', '--storage', url, file]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(await countStoredFeatures(url)).toBe(0);
  });
});

describe('routeguide serve', () => {
  it('seeds an empty database, prints the real port, answers, and exits 0 on SIGTERM', async () => {
    const url = `sqlite:${join(directory.path, 'serve.db')}`;
    const server = await startServerProcess(['--storage', url]);
    expect(server.target).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(server.target).not.toBe('127.0.0.1:0');
    const client = createRouteGuideClient(server.target);
    try {
      const feature = await client.getFeature({ latitude: 409146138, longitude: -746188906 });
      expect(feature.name).toBe('Berkshire Valley Management Area Trail, Jefferson, NJ, USA');
    } finally {
      client.close();
    }
    expect(await server.stop('SIGTERM')).toBe(0);
    expect(await countStoredFeatures(url)).toBe(100);
  });

  it('creates the default database directory when run with no storage flag', async () => {
    const cwd = temporaryDirectory();
    try {
      const server = await startServerProcess([], { cwd: cwd.path });
      expect(await server.stop('SIGINT')).toBe(0);
      expect(await countStoredFeatures(`sqlite:${join(cwd.path, 'data', 'routeguide.db')}`)).toBe(100);
    } finally {
      cwd.remove();
    }
  });

  it('takes settings from ROUTEGUIDE_* variables, with flags winning', async () => {
    const server = await startServerProcess(['--storage', 'memory:'], {
      env: { ROUTEGUIDE_STORAGE: 'sqlite:/nonexistent/dir/x.db', ROUTEGUIDE_EMPTY: 'true' },
    });
    const client = createRouteGuideClient(server.target);
    try {
      // memory: from the flag beat the variable; --empty came from the environment.
      expect((await client.getFeature({ latitude: 409146138, longitude: -746188906 })).name).toBe('');
    } finally {
      client.close();
      await server.stop();
    }
  });

  it.each([
    [['--port', 'abc'], 'routeguide serve: invalid --port="abc": must be an integer between 0 and 65535'],
    [['--storage', 'redis://x'], 'unknown scheme; supported: memory:, sqlite:<path>'],
    [['--storage', 'sqlite:/no/such/dir/rg.db'], 'directory /no/such/dir does not exist'],
    [['--synchronous', 'sometimes'], 'invalid --synchronous="sometimes": must be one of normal, full'],
    [['--frobnicate'], 'unknown option --frobnicate'],
  ])('refuses to start with %j, in one line and a non-zero exit', async (args, message) => {
    // Port 0 and memory storage unless under test, so a serve that got past validation would harm nothing.
    const result = await runCli(['serve', '--port', '0', '--storage', 'memory:', ...args]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.leftInWorkingDirectory).toEqual([]);
  });

  it('refuses a corrupted database in seed and copy, which check it at open, with one clear line, not a crash', async () => {
    const path = join(directory.path, 'corrupt-at-open.db');
    expect((await runCli(['seed', '--storage', `sqlite:${path}`, CANONICAL])).code).toBe(0);
    corruptIndexReadByNothingAtStart(path);
    for (const [command, args] of [
      ['seed', ['seed', '--storage', `sqlite:${path}`, CANONICAL]],
      ['copy', ['copy', '--from', `sqlite:${path}`, '--to', `sqlite:${join(directory.path, 'copied.db')}`]],
    ] as const) {
      const result = await runCli(args);
      expect(result.code).toBe(1);
      expect(result.stderr.trim()).toMatch(new RegExp(`^routeguide ${command}: cannot open SQLite database .*corrupt-at-open\\.db: database is corrupted \\(quick_check: .+\\)$`));
    }
  }, 30_000);

  it('checks a corrupted database once it listens: one error line naming the problems, then stops with exit code 1', async () => {
    const path = join(directory.path, 'corrupt.db');
    expect((await runCli(['seed', '--storage', `sqlite:${path}`, CANONICAL])).code).toBe(0);
    // Damage that start-up does not read: only the check finds it.
    corruptIndexReadByNothingAtStart(path);
    const result = await runCli(['serve', '--port', '0', '--log-format', 'json', '--storage', `sqlite:${path}`]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^listening on 127\.0\.0\.1:\d+\n$/);
    const lines = result.stderr.trim().split('\n').map((line) => JSON.parse(line) as { level: number; msg: string; reason?: string });
    expect(lines.filter((line) => line.level >= 40)).toEqual([
      expect.objectContaining({ level: 50, reason: expect.stringMatching(/^database is corrupted \(quick_check: .+\)$/) }),
    ]);
    expect(lines.at(-1)!.msg).toBe('stopped');
  });

  it('refuses a file that is not a database', async () => {
    const path = join(directory.path, 'text.db');
    writeFileSync(path, 'hello '.repeat(1000));
    const result = await runCli(['serve', '--port', '0', '--storage', `sqlite:${path}`]);
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toMatch(/^routeguide serve: cannot open SQLite database .*text\.db: file is not a database$/);
  });

  it('rejects a bad value from the environment naming the variable', async () => {
    const result = await runCli(['serve', '--storage', 'memory:'], { env: { ROUTEGUIDE_PORT: '70000' } });
    expect(result.code).toBe(2);
    expect(result.leftInWorkingDirectory).toEqual([]);
    expect(result.stderr.trim()).toBe('routeguide serve: invalid ROUTEGUIDE_PORT="70000": must be an integer between 0 and 65535');
  });

  it('lists every setting with its default in --help', async () => {
    const result = await runCli(['serve', '--help']);
    expect(result.code).toBe(0);
    for (const flag of ['--storage', '--host', '--port', '--seed', '--empty', '--replay-limit', '--shutdown-grace']) {
      expect(result.stdout).toContain(flag);
    }
    expect(result.stdout).toContain('default sqlite:./data/routeguide.db');
    expect(result.stdout).toContain('ROUTEGUIDE_REPLAY_LIMIT');
  });
});

describe('routeguide client', () => {
  // Seven CLI processes one after another: 12 s alone, past the default 20 s with another file beside it on a loaded machine.
  it('runs get, list (negative degrees), record and chat against a server, in text and JSON', { timeout: 60_000 }, async () => {
    const server = await startServerProcess(['--storage', 'memory:']);
    const target = ['--target', server.target];
    try {
      const get = await runCli(['client', 'get', '40.9146138', '-74.6188906', ...target]);
      expect(get.stdout.trim()).toBe('Feature "Berkshire Valley Management Area Trail, Jefferson, NJ, USA" at 40.9146138, -74.6188906');

      const getJson = await runCli(['client', 'get', '40.9146138', '-74.6188906', '--json', ...target]);
      expect(JSON.parse(getJson.stdout)).toEqual({
        name: 'Berkshire Valley Management Area Trail, Jefferson, NJ, USA',
        location: { latitude: 409146138, longitude: -746188906 },
      });

      const list = await runCli(['client', 'list', '40', '-75', '42', '-73', ...target]);
      expect(list.code).toBe(0);
      expect(list.stdout.trim().split('\n').at(-1)).toMatch(/^\d+ features$/);

      const routeFile = join(directory.path, 'route.json');
      writeFileSync(routeFile, JSON.stringify([{ latitude: 409146138, longitude: -746188906 }, { latitude: 0, longitude: 0 }]));
      const record = await runCli(['client', 'record', routeFile, '--json', ...target]);
      expect(JSON.parse(record.stdout)).toMatchObject({ pointCount: 2, featureCount: 1 });

      const chat = await runCli(['client', 'chat', ...target], { input: '1.5 -2.25 hello there\n1.5 -2.25 again\nnot a line\n' });
      expect(chat.stdout.trim()).toBe('Got message "hello there" at 1.5, -2.25');
      expect(chat.stderr).toContain('line 3: latitude: "not" is not a number of degrees; skipped');
      expect(chat.code).toBe(1);

      // Checked in degrees, as typed, before any call.
      const bad = await runCli(['client', 'get', '91', '0', ...target]);
      expect(bad.code).toBe(2);
      expect(bad.stderr.trim()).toBe('routeguide client get: latitude 91 is out of range; must be between -90 and 90');
    } finally {
      await server.stop();
    }
  });

  it('runs the demo conversation', async () => {
    const server = await startServerProcess(['--storage', 'memory:']);
    try {
      const demo = await runCli(['client', 'demo', '--target', server.target]);
      expect(demo.code).toBe(0);
      expect(demo.stdout).toContain('Feature "Berkshire Valley Management Area Trail, Jefferson, NJ, USA"');
      expect(demo.stdout).toContain('Finished trip with 10 points');
      // Sent and received notes alike in degrees.
      expect(demo.stdout).toContain('Sending message "Second message" at 0, 0.0000001');
      expect(demo.stdout).toContain('Got message "First message" at 0, 0');
      expect(demo.stdout).toContain('Got message "Second message" at 0, 0.0000001');
    } finally {
      await server.stop();
    }
  });

  it('reports a server that is not there as UNAVAILABLE', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const result = await runCli(['client', 'get', '0', '0', '--target', `127.0.0.1:${port}`]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('UNAVAILABLE');
  });
});
