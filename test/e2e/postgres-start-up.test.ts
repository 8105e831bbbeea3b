import { spawn } from 'node:child_process';
import { connect, createServer, type Server, type Socket } from 'node:net';
import pg from 'pg';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/postgres-cluster.js';
import { openStorage } from '../../src/storage/open-storage.js';
import type { Storage } from '../../src/storage/storage.js';
import { BIN } from '../support/build.js';
import { ensureBuilt, runCli } from '../support/cli.js';
import { createHealthClient } from '../support/grpc-tools.js';
import { createTestDatabase, HAVE_POSTGRES, POSTGRES_BASE_URL } from '../support/postgres.js';
import { eventually } from '../support/wait.js';

// The CLI runs from dist/: build it once, before the timed tests (a build takes a while on a busy machine).
beforeAll(() => ensureBuilt(), 120_000);

/** The last line of stderr. */
function lastLine(stderr: string): string {
  return stderr.trim().split('\n').at(-1) ?? '';
}

function check(target: string, service: string): Promise<string> {
  const client = createHealthClient(target);
  return new Promise<string>((resolve, reject) => {
    client.Check({ service }, (error: Error | null, response: { status: string }) => (error ? reject(error) : resolve(response.status)));
  }).finally(() => client.close());
}

/** A loopback TCP proxy to the test cluster that refuses connections until `open()` is called. */
function laterProxy(port: number, to: URL): { open(): Promise<void>; close(): Promise<void> } {
  let server: Server | undefined;
  const sockets = new Set<Socket>();
  return {
    open() {
      server = createServer((incoming) => {
        const outgoing = connect(Number(to.port), to.hostname);
        for (const socket of [incoming, outgoing]) {
          sockets.add(socket);
          socket.on('error', () => socket.destroy());
          socket.on('close', () => sockets.delete(socket));
        }
        incoming.pipe(outgoing).pipe(incoming);
      });
      return new Promise((resolve) => server!.listen(port, '127.0.0.1', () => resolve()));
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => (server ? server.close(() => resolve()) : resolve()));
    },
  };
}

describe('PostgreSQL start-up that cannot reach the database', () => {
  it('serve gives up after --storage-connect-timeout with one line, password redacted, and exit 1, after logging each retry', async () => {
    const port = await freePort();
    const result = await runCli(
      ['serve', '--port', '0', '--log-format', 'json', '--storage', `postgres://guide:hunter2@127.0.0.1:${port}/rg`, '--storage-connect-timeout', '1.2'],
      { timeoutMs: 15_000 },
    );
    expect(result.code).toBe(1);
    expect(result.stdout).not.toContain('listening on');
    expect(result.stderr).not.toContain('hunter2');
    expect(lastLine(result.stderr)).toMatch(
      new RegExp(
        `^routeguide serve: cannot reach PostgreSQL at postgres://guide:\\*\\*\\*@127\\.0\\.0\\.1:${port}/rg: connect ECONNREFUSED 127\\.0\\.0\\.1:${port}; ` +
          'gave up after 1\\.\\d s and \\d+ attempts \\(connect timeout 1\\.2 s\\)$',
      ),
    );
    const retries = result.stderr
      .trim()
      .split('\n')
      .slice(0, -1)
      .map((line) => JSON.parse(line) as { msg: string; attempt?: number; storage?: string })
      .filter((line) => line.msg === 'storage not reachable; retrying');
    expect(retries.length).toBeGreaterThanOrEqual(2);
    expect(retries.map((line) => line.attempt)).toEqual(retries.map((_, index) => index + 1));
    expect(retries[0]!.storage).toBe(`postgres://guide:***@127.0.0.1:${port}/rg`);
  }, 20_000);

  it('serve with a PostgreSQL URL that does not parse prints one line with the password redacted and exits 1', async () => {
    const result = await runCli(['serve', '--port', '0', '--storage', 'postgres://guide:hunter2@db.example.com']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(lastLine(result.stderr)).toBe(
      'routeguide serve: storage URL "postgres://guide:***@db.example.com": needs one database name after the host, as in postgres://USER@HOST/DATABASE',
    );
    expect(result.stderr).not.toContain('hunter2');
  }, 20_000);
});

describe.skipIf(!HAVE_POSTGRES)('PostgreSQL start-up', () => {
  const opened: Storage[] = [];
  afterEach(async () => {
    for (const storage of opened.splice(0)) await storage.close();
  });

  it.each([
    ['a bad password', (url: URL) => `postgres://${url.username}:wrong-password@${url.host}/postgres`, /password authentication failed for user "postgres"$/],
    ['a missing database', (url: URL) => `postgres://${url.username}:${url.password}@${url.host}/no_such_database`, /database "no_such_database" does not exist$/],
    ['no password at all', (url: URL) => `postgres://${url.username}@${url.host}/postgres`, /none was given; put it in the URL or in PGPASSWORD$/],
  ])('serve with %s prints one line with the password redacted and exits 1', async (_case, urlFor, reason) => {
    const url = urlFor(new URL(POSTGRES_BASE_URL));
    const result = await runCli(['serve', '--port', '0', '--log-format', 'json', '--storage', url], { env: { PGPASSWORD: '' } });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    const line = lastLine(result.stderr);
    expect(line).toMatch(/^routeguide serve: cannot open PostgreSQL database postgres:\/\/postgres(:\*\*\*)?@127\.0\.0\.1:\d+\/\w+: /);
    expect(line).toMatch(reason);
    expect(result.stderr).not.toContain(new URL(POSTGRES_BASE_URL).password);
    expect(result.stderr).not.toContain('wrong-password');
  }, 20_000);

  it('a URL without a password uses PGPASSWORD', async () => {
    const withPassword = new URL(await createTestDatabase('pgpassword'));
    const password = withPassword.password;
    withPassword.password = '';
    const result = await runCli(['seed', '--storage', withPassword.href, '--synthetic', '10'], { env: { PGPASSWORD: password } });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^seeded \d+ features from 10 synthetic features \(seed 1\) into postgres:\/\/postgres@127\.0\.0\.1:\d+\/pgpassword_\w+;/);
  }, 20_000);

  it('ten storages opening one new database at once apply its migrations once', async () => {
    const url = await createTestDatabase('migrate');
    const applied: string[][] = [];
    const storages = await Promise.all(
      Array.from({ length: 10 }, () => openStorage(url, { poolSize: 2, onMigrated: (names) => applied.push(names) })),
    );
    opened.push(...storages);
    expect(applied).toHaveLength(10);
    expect(applied.filter((names) => names.length > 0)).toEqual([['001_features_notes_imports.sql', '002_storage_identity.sql']]);
    // Every one of them works on the one schema.
    await storages[3]!.insertFeatures([{ name: 'here', latitude: 1, longitude: 1 }]);
    expect(await storages[7]!.countFeatures()).toBe(1);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      expect((await client.query('SELECT name FROM schema_migrations ORDER BY name')).rows).toEqual([{ name: '001_features_notes_imports.sql' }, { name: '002_storage_identity.sql' }]);
    } finally {
      await client.end();
    }
  }, 30_000);

  it('serve retries while PostgreSQL is unreachable (bound, health NOT_SERVING, no listening line), then serves once it answers', async () => {
    const database = new URL(await createTestDatabase('later'));
    const proxyPort = await freePort();
    const grpcPort = await freePort();
    const proxy = laterProxy(proxyPort, database);
    const url = `postgres://${database.username}:${database.password}@127.0.0.1:${proxyPort}${database.pathname}`;
    const child = spawn(process.execPath, [BIN, 'serve', '--port', String(grpcPort), '--log-format', 'json', '--storage', url, '--empty'], {
      env: { PATH: process.env.PATH ?? '' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      await eventually(() => (stderr.match(/storage not reachable; retrying/g) ?? []).length >= 2, 15_000, 'two retries');
      expect(await check(`127.0.0.1:${grpcPort}`, '')).toBe('NOT_SERVING');
      expect(await check(`127.0.0.1:${grpcPort}`, 'routeguide.RouteGuide')).toBe('NOT_SERVING');
      expect(stdout).toBe('');
      await proxy.open();
      await eventually(() => stdout.includes('listening on'), 15_000, 'the listening line');
      expect(await check(`127.0.0.1:${grpcPort}`, 'routeguide.RouteGuide')).toBe('SERVING');
      expect(stderr).not.toContain(database.password);
    } finally {
      child.kill('SIGTERM');
      await exited;
      await proxy.close();
    }
  }, 40_000);
});
