import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { availableParallelism } from 'node:os';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { status, type ClientDuplexStream, type ServiceError } from '@grpc/grpc-js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startRouteGuide } from '../../src/app/embedded-server.js';
import { restartDelayMs } from '../../src/app/cluster/restart-backoff.js';
import { serveSettings } from '../../src/app/serve-settings.js';
import { parseSettings } from '../../src/common/settings.js';
import { createRouteGuideClient, type RouteGuideClient } from '../../src/client/client.js';
import type { RouteNote } from '../../src/gen/messages/route_guide.js';
import { BIN, ROOT } from '../support/build.js';
import { ensureBuilt, runCli, startServerProcess, type ServerProcess, jsonLogLines } from '../support/cli.js';
import { corruptIndexReadByNothingAtStart } from '../support/corrupt-database.js';
import { collect, temporaryDirectory } from '../support/servers.js';
import { readFileMappings } from '../support/memory-maps.js';
import { eventually } from '../support/wait.js';

const CANONICAL = join(ROOT, 'seed', 'route_guide_db.json');
/** A feature of the canonical seed. */
const BERKSHIRE = { latitude: 409146138, longitude: -746188906 };
const BERKSHIRE_NAME = 'Berkshire Valley Management Area Trail, Jefferson, NJ, USA';

interface LogLine {
  readonly msg: string;
  readonly worker?: number;
  readonly pid?: number;
  readonly method?: string;
  readonly code?: number | string | null;
  readonly signal?: string | null;
  readonly port?: number;
  readonly protocol?: string;
}

const WORLD = { lo: { latitude: -900_000_000, longitude: -1_800_000_000 }, hi: { latitude: 900_000_000, longitude: 1_800_000_000 } };

function logLines(server: ServerProcess): LogLine[] {
  return jsonLogLines<LogLine>(server.stderr());
}

function getFeatureCalls(server: ServerProcess): LogLine[] {
  return logLines(server).filter((line) => line.msg === 'call' && line.method === '/routeguide.RouteGuide/GetFeature');
}

/** A JSON POST on a connection of its own, closed after the answer. */
function postOnNewConnection(url: string, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = request(url, { method: 'POST', agent: false, headers: { 'content-type': 'application/json' } }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
      response.on('error', reject);
    });
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

/** Waits for a log line that `matches`, and returns it. */
async function waitForLine(server: ServerProcess, what: string, matches: (line: LogLine) => boolean): Promise<LogLine> {
  await eventually(() => logLines(server).some(matches), 20_000, what);
  return logLines(server).find(matches)!;
}

/** Prometheus text: the value of the first sample of `name` whose labels include `labels`. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+)(\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    if (Object.entries(labels).every(([key, value]) => (match[3] ?? '').includes(`${key}="${value}"`))) return Number(match[4]);
  }
  return undefined;
}

describe('serve --workers 2 on a SQLite file', () => {
  const directory = temporaryDirectory();
  const clients: RouteGuideClient[] = [];
  const servers: ServerProcess[] = [];

  beforeAll(() => ensureBuilt(), 60_000);
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    for (const server of servers.splice(0)) await server.stop('SIGKILL');
  });
  afterAll(() => directory.remove());

  async function serveWorkers(name: string, args: readonly string[] = []): Promise<ServerProcess> {
    const storage = `sqlite:${join(directory.path, `${name}.db`)}`;
    const server = await startServerProcess(['--storage', storage, '--workers', '2', '--log-format', 'json', ...args], { cwd: directory.path });
    servers.push(server);
    return server;
  }

  /** A client on its own HTTP/2 connection: node:cluster hands each connection to one worker. */
  function connect(target: string): RouteGuideClient {
    const client = createRouteGuideClient(target, { channelOptions: { 'grpc.use_local_subchannel_pool': 1 } });
    clients.push(client);
    return client;
  }

  /**
   * Opens `count` connections one after another, each making one GetFeature call, and returns each
   * client with the worker that answered it (from the call's log line, which names the worker).
   */
  async function connectionsWithWorkers(server: ServerProcess, count: number): Promise<{ client: RouteGuideClient; worker: number }[]> {
    const connected: { client: RouteGuideClient; worker: number }[] = [];
    for (let i = 0; i < count; i++) {
      const before = getFeatureCalls(server).length;
      const client = connect(server.target);
      expect((await client.getFeature(BERKSHIRE)).name).toBe(BERKSHIRE_NAME);
      await eventually(() => getFeatureCalls(server).length > before, 10_000, 'the call log line');
      connected.push({ client, worker: getFeatureCalls(server).at(-1)!.worker! });
    }
    return connected;
  }

  it(
    'answers GetFeature over several connections from more than one worker, and prints listening once, last, when all serve',
    { timeout: 60_000 },
    async () => {
      const server = await serveWorkers('spread');
      const connected = await connectionsWithWorkers(server, 4);
      expect(new Set(connected.map(({ worker }) => worker)).size).toBe(2);
      expect(server.stdout()).toBe(`listening on ${server.target}\n`);
      const messages = logLines(server).map((line) => line.msg);
      expect(messages.filter((msg) => msg === 'worker serving')).toHaveLength(2);
      expect(messages.indexOf('serving')).toBeGreaterThan(messages.lastIndexOf('worker serving'));
      // The primary migrated and seeded once, before it forked.
      expect(logLines(server).filter((line) => line.msg === 'seeded features')).toHaveLength(1);
      expect(logLines(server).find((line) => line.msg === 'seeded features')?.worker).toBeUndefined();
    },
  );

  it('the primary checks the index file once; every worker maps it, and they share its pages', { timeout: 90_000 }, async () => {
    const path = join(directory.path, 'shared-index.db');
    expect((await runCli(['seed', '--storage', `sqlite:${path}`, CANONICAL])).code).toBe(0);
    expect((await runCli(['seed', '--storage', `sqlite:${path}`, '--synthetic', '40000'], { timeoutMs: 60_000 })).code).toBe(0);
    const server = await serveWorkers('shared-index');
    const workers = logLines(server).filter((line) => line.msg === 'index loaded');
    expect(workers).toHaveLength(2);
    for (const loaded of workers) expect(loaded).toMatchObject({ features: 40_100, indexFile: `${path}.index` });
    expect(logLines(server).map((line) => line.msg)).not.toContain('index file cannot be used; rebuilding it from storage');
    // One whole-world walk on a connection to each worker reads every page of the file in both.
    const connected = await connectionsWithWorkers(server, 2);
    expect(new Set(connected.map(({ worker }) => worker)).size).toBe(2);
    for (const { client } of connected) expect(await collect(client.listFeatures(WORLD))).toHaveLength(40_100);
    const pids = [...new Set(logLines(server).filter((line) => line.msg === 'worker serving').map((line) => line.pid as number))];
    expect(pids).toHaveLength(2);
    const size = statSync(`${path}.index`).size;
    for (const pid of pids) {
      const mapped = readFileMappings(`${path}.index`, pid);
      // Resident through the mapping (not copied into the heap), and shared: each counts about half.
      expect(mapped.rss).toBeGreaterThan(0.5 * size);
      expect(mapped.pss).toBeLessThan(0.75 * mapped.rss);
    }
  });

  it('checks the storage once, in the primary, after listening: a corrupted file stops every worker, with one error line and exit code 1', { timeout: 60_000 }, async () => {
    const path = join(directory.path, 'corrupt.db');
    expect((await runCli(['seed', '--storage', `sqlite:${path}`, CANONICAL])).code).toBe(0);
    // Damage that start-up does not read: only the check finds it.
    corruptIndexReadByNothingAtStart(path);
    const result = await runCli(['serve', '--port', '0', '--workers', '2', '--log-format', 'json', '--storage', `sqlite:${path}`], { timeoutMs: 45_000 });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^listening on 127\.0\.0\.1:\d+\n$/);
    const lines = result.stderr.trim().split('\n').map((line) => JSON.parse(line) as LogLine & { level: number; reason?: string });
    expect(lines.filter((line) => line.level >= 40)).toEqual([
      expect.objectContaining({ level: 50, reason: expect.stringMatching(/^database is corrupted \(quick_check: .+\)$/) }),
    ]);
    // The primary's line: a worker's names its worker.
    expect(lines.find((line) => line.level === 50)?.worker).toBeUndefined();
    expect(lines.filter((line) => line.msg === 'worker serving')).toHaveLength(2);
  });

  it('serves the HTTP port from every worker: http listening on comes before listening on, and Connect calls reach both workers', { timeout: 60_000 }, async () => {
    const server = await serveWorkers('http', ['--http-port', '0']);
    const [httpLine, grpcLine] = server.stdout().trimEnd().split('\n');
    expect(grpcLine).toBe(`listening on ${server.target}`);
    const httpAddress = /^http listening on (\S+)$/.exec(httpLine ?? '')?.[1];
    expect(httpAddress).toBeDefined();
    expect((await fetch(`http://${httpAddress}/healthz`)).status).toBe(200);
    const connectCalls = (): LogLine[] => getFeatureCalls(server).filter((line) => line.protocol === 'connect');
    for (let i = 0; i < 6; i++) {
      // A new connection each time (no keep-alive): node:cluster hands each connection to one worker.
      const { status, body } = await postOnNewConnection(`http://${httpAddress}/routeguide.RouteGuide/GetFeature`, JSON.stringify(BERKSHIRE));
      expect(status).toBe(200);
      expect((JSON.parse(body) as { name: string }).name).toBe(BERKSHIRE_NAME);
    }
    await eventually(() => connectCalls().length === 6, 10_000, 'the Connect calls\' log lines');
    expect(new Set(connectCalls().map((line) => line.worker)).size).toBe(2);
  });

  it('RouteChat replays a note sent through a connection on one worker to a connection on another', { timeout: 60_000 }, async () => {
    const server = await serveWorkers('chat');
    const connected = await connectionsWithWorkers(server, 4);
    const first = connected[0]!;
    const other = connected.find(({ worker }) => worker !== first.worker)!;
    expect(other).toBeDefined();
    const location = { latitude: 123456789, longitude: -98765432 };
    expect(await collect(first.client.routeChat([{ location, message: `through worker ${first.worker}` }]))).toEqual([]);
    const replayed = await collect(other.client.routeChat([{ location, message: `through worker ${other.worker}` }]));
    expect(replayed.map((note) => note.message)).toEqual([`through worker ${first.worker}`]);
  });

  it('serves one metrics scrape that sums calls across workers and does not sum the features indexed', { timeout: 60_000 }, async () => {
    const server = await serveWorkers('metrics', ['--metrics-port', '0']);
    const metricsPort = (await waitForLine(server, 'the metrics line', (line) => line.msg === 'metrics at /metrics')).port!;
    const connected = await connectionsWithWorkers(server, 4);
    expect(new Set(connected.map(({ worker }) => worker)).size).toBe(2);
    const response = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(sample(text, 'grpc_server_handled_total', { grpc_method: 'GetFeature', grpc_code: 'OK' })).toBe(4);
    expect(sample(text, 'grpc_server_handling_seconds_count', { grpc_method: 'GetFeature' })).toBe(4);
    expect(sample(text, 'routeguide_features_indexed')).toBe(100);
    expect(sample(text, 'routeguide_streams_open')).toBe(0);
  });

  it('restarts a worker killed with SIGKILL, logs the restart with the signal, and keeps serving', { timeout: 60_000 }, async () => {
    const server = await serveWorkers('restart');
    const [victim, survivor] = logLines(server).filter((line) => line.msg === 'worker serving');
    process.kill(victim!.pid!, 'SIGKILL');
    const exit = await waitForLine(server, 'the exit log line', (line) => line.msg === 'worker exited; restarting it');
    expect(exit).toMatchObject({ worker: victim!.worker, pid: victim!.pid, code: null, signal: 'SIGKILL' });
    const restarted = await waitForLine(server, 'the restarted worker', (line) => line.msg === 'worker restarted and serving');
    expect([victim!.pid, survivor!.pid]).not.toContain(restarted.pid);

    const before = getFeatureCalls(server).length;
    const connected = await connectionsWithWorkers(server, 4);
    expect(new Set(connected.map(({ worker }) => worker))).toEqual(new Set([survivor!.worker, restarted.worker]));
    const pids = new Set(getFeatureCalls(server).slice(before).map((line) => line.pid));
    expect(pids).toEqual(new Set([survivor!.pid, restarted.pid]));
    expect(server.stdout()).toBe(`listening on ${server.target}\n`);
  });

  it(
    'on SIGTERM drains every worker as one server drains (NOT_SERVING, grace, UNAVAILABLE, storage closed) and exits 0',
    { timeout: 60_000 },
    async () => {
      const server = await serveWorkers('drain', ['--shutdown-grace', '1']);
      const connected = await connectionsWithWorkers(server, 2);
      expect(new Set(connected.map(({ worker }) => worker)).size).toBe(2);
      const here = { latitude: 5, longitude: 5 };
      const endings = await Promise.all(
        connected.map(async ({ client }) => {
          const chat = client.raw.routeChat() as ClientDuplexStream<RouteNote, RouteNote>;
          const ended = new Promise<ServiceError>((resolve) => chat.on('error', resolve));
          const replied = new Promise((resolve) => chat.once('data', resolve));
          chat.write({ location: here, message: 'keeps the stream open' });
          chat.write({ location: here, message: 'is answered with the first' });
          await replied;
          // Wrapped: an async function returning the promise itself would wait for the stream's end.
          return { ended };
        }),
      );
      expect(await server.stop('SIGTERM')).toBe(0);
      for (const { ended } of endings) expect((await ended).code).toBe(status.UNAVAILABLE);
      const lines = logLines(server);
      for (const { worker } of connected) {
        const own = lines.filter((line) => line.worker === worker && line.msg !== 'call').map((line) => line.msg);
        const order = [
          'shutting down',
          'health NOT_SERVING; no longer accepting calls',
          'grace period over; ending open streams with UNAVAILABLE',
          'storage closed',
          'stopped',
        ];
        expect(own.filter((msg) => order.includes(msg))).toEqual(order);
      }
      expect(lines.filter((line) => line.msg === 'worker stopped').map((line) => line.code)).toEqual([0, 0]);
      expect(lines.at(-1)).toMatchObject({ msg: 'stopped' });
      expect(lines.at(-1)?.worker).toBeUndefined();
    },
  );
});

describe.skipIf(process.platform !== 'linux')('serve --workers 2 in its own process group', () => {
  const directory = temporaryDirectory();
  let group: number | undefined;
  beforeAll(() => ensureBuilt(), 60_000);
  afterEach(() => {
    if (group === undefined) return;
    try {
      process.kill(-group, 'SIGKILL');
    } catch {
      // Already gone.
    }
    group = undefined;
  });
  afterAll(() => directory.remove());

  it(
    "SIGTERM sent to the whole group (systemd's default) reaches the primary and every worker, and counts as one signal: exit 0",
    { timeout: 60_000 },
    async () => {
      const storage = `sqlite:${join(directory.path, 'group.db')}`;
      const child = spawn(process.execPath, [BIN, 'serve', '--storage', storage, '--port', '0', '--workers', '2', '--log-format', 'json'], {
        cwd: directory.path,
        env: Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('ROUTEGUIDE_') && !name.startsWith('npm_'))),
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      group = child.pid!;
      let stderr = '';
      child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
      await new Promise<void>((resolve, reject) => {
        child.stdout!.on('data', (chunk: Buffer) => {
          if (chunk.toString().includes('listening on')) resolve();
        });
        void exited.then((code) => reject(new Error(`serve exited (${code}) before listening:\n${stderr}`)));
      });
      process.kill(-group, 'SIGTERM');
      expect(await exited).toBe(0);
      const lines = stderr
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as LogLine);
      expect(lines.map((line) => line.msg)).not.toContain('second signal: exiting now');
      expect(lines.filter((line) => line.msg === 'worker stopped').map((line) => line.code)).toEqual([0, 0]);
      expect(lines.at(-1)).toMatchObject({ msg: 'stopped' });
    },
  );
});

describe('serve --workers settings', () => {
  beforeAll(() => ensureBuilt(), 60_000);

  it('refuses memory: storage with more than one worker in one line, exit 2', async () => {
    const result = await runCli(['serve', '--storage', 'memory:', '--port', '0', '--workers', '2']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trimEnd().split('\n')).toEqual([
      'routeguide serve: invalid --workers=2 with memory: storage: workers share one storage, and memory: is not shared between processes; use sqlite:<path>, or --workers 1',
    ]);
    expect(result.leftInWorkingDirectory).toEqual([]);
  });

  it('rejects a worker count that is not 1 to 256 or auto, naming the variable', async () => {
    const result = await runCli(['serve', '--storage', 'memory:', '--port', '0'], { env: { ROUTEGUIDE_WORKERS: '0' } });
    expect(result.code).toBe(2);
    expect(result.stderr.trimEnd().split('\n')).toEqual([
      'routeguide serve: invalid ROUTEGUIDE_WORKERS="0": must be an integer between 1 and 256, or auto (one per core)',
    ]);
  });

  it('auto means one worker per core, and no setting means one process', () => {
    const parse = (workers: string | undefined) => parseSettings('routeguide serve', serveSettings, { workers }, (name) => `--${name}`).workers;
    expect(parse('auto')).toBe(Math.min(availableParallelism(), 256));
    expect(parse(undefined)).toBe(1);
    expect(parse('3')).toBe(3);
  });

  it('an embedded server refuses more than one worker', async () => {
    await expect(startRouteGuide({ workers: 2 } as object)).rejects.toThrow(
      'startRouteGuide: invalid workers="2": an embedded server is this one process; routeguide serve --workers N runs several',
    );
  });

  it('waits longer before each restart of a worker that keeps dying soon after starting, up to 10 s', () => {
    expect([0, 1, 2, 3, 6, 7, 20].map(restartDelayMs)).toEqual([100, 200, 400, 800, 6400, 10_000, 10_000]);
  });
});
