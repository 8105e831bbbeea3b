import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { status, type ClientDuplexStream, type ServiceError } from '@grpc/grpc-js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createRouteGuideClient, type RouteGuideClient } from '../../src/client/client.js';
import type { RouteNote } from '../../src/gen/messages/route_guide.js';
import { ensureBuilt } from '../support/build.js';
import { startServe, type ServeProcess } from '../support/serve-process.js';
import { createHealthClient } from '../support/grpc-tools.js';
import { collect, temporaryDirectory } from '../support/servers.js';

const HERE = { latitude: 407838351, longitude: -746143763 };

/** Resolves with the next `count` messages a stream delivers. */
function next<T>(stream: NodeJS.EventEmitter, count: number): Promise<T[]> {
  return new Promise((resolve) => {
    const got: T[] = [];
    const onData = (message: T): void => {
      got.push(message);
      if (got.length === count) {
        stream.off('data', onData);
        resolve(got);
      }
    };
    stream.on('data', onData);
  });
}

function endStatus(stream: NodeJS.EventEmitter): Promise<{ code: number; details: string }> {
  return new Promise((resolve) => stream.on('status', resolve));
}

describe('graceful shutdown of routeguide serve', () => {
  const directory = temporaryDirectory();
  const storage = `sqlite:${join(directory.path, 'routeguide.db')}`;
  const clients: { close(): void }[] = [];
  const servers: ServeProcess[] = [];

  beforeAll(() => ensureBuilt(), 60_000);
  afterEach(() => {
    for (const client of clients.splice(0)) client.close();
    for (const server of servers.splice(0)) if (server.child.exitCode === null) server.child.kill('SIGKILL');
  });
  afterAll(() => directory.remove());

  async function serve(args: string[]): Promise<ServeProcess> {
    const server = await startServe(['--storage', storage, ...args]);
    servers.push(server);
    return server;
  }

  function connect(target: string): RouteGuideClient {
    const client = createRouteGuideClient(target);
    clients.push(client);
    return client;
  }

  it('on SIGTERM: health goes NOT_SERVING, an open RouteChat ends UNAVAILABLE after the grace, exit 0, notes kept', { timeout: 30_000 }, async () => {
    const first = await serve(['--shutdown-grace', '0.5']);
    const health = createHealthClient(first.target);
    clients.push(health);
    const watch = health.Watch({ service: '' });
    const watchEnded = endStatus(watch);
    expect(await next<{ status: string }>(watch, 1)).toEqual([{ status: 'SERVING' }]);

    const chat = connect(first.target).raw.routeChat() as ClientDuplexStream<RouteNote, RouteNote>;
    const chatError = new Promise<ServiceError>((resolve) => chat.on('error', resolve));
    chat.write({ location: HERE, message: 'first' });
    chat.write({ location: HERE, message: 'second' });
    // The replay of "first" arrives after "second" was stored: both are in the database now.
    expect((await next<RouteNote>(chat, 1)).map((note) => note.message)).toEqual(['first']);

    const watchNext = next<{ status: string }>(watch, 1);
    first.child.kill('SIGTERM');
    expect(await watchNext).toEqual([{ status: 'NOT_SERVING' }]);
    expect((await watchEnded).code).toBe(status.OK);

    const error = await chatError;
    expect(error.code).toBe(status.UNAVAILABLE);
    const exit = await first.exited;
    expect(exit.code).toBe(0);
    const messages = exit.stderr.trim().split('\n').map((line) => (JSON.parse(line) as { msg: string }).msg);
    expect(messages.indexOf('health NOT_SERVING; no longer accepting calls')).toBeLessThan(messages.indexOf('storage closed'));
    expect(messages.at(-1)).toBe('stopped');
    // Storage closed cleanly: the WAL was checkpointed into the database file.
    const wal = join(directory.path, 'routeguide.db-wal');
    expect(!existsSync(wal) || statSync(wal).size === 0).toBe(true);

    const second = await serve([]);
    const replayed = await collect(connect(second.target).routeChat([{ location: HERE, message: 'third' }]));
    expect(replayed.map((note) => note.message)).toEqual(['first', 'second']);
    second.child.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
  });

  it('a second signal during the grace period exits at once, non-zero', { timeout: 30_000 }, async () => {
    const server = await serve(['--shutdown-grace', '60']);
    const health = createHealthClient(server.target);
    clients.push(health);
    const watch = health.Watch({ service: '' });
    // The server exits at once on the second signal: both streams then end with an error, expected.
    watch.on('error', () => {});
    await next(watch, 1);
    const chat = connect(server.target).raw.routeChat();
    chat.on('error', () => {});
    const elsewhere = { latitude: 1, longitude: 1 };
    const replies = next(chat, 1);
    chat.write({ location: elsewhere, message: 'keeps the server in its grace period' });
    chat.write({ location: elsewhere, message: 'and is replayed the first' });
    await replies;

    const notServing = next(watch, 1);
    server.child.kill('SIGTERM');
    await notServing;
    server.child.kill('SIGTERM');
    const exit = await server.exited;
    expect(exit.code).toBe(1);
    expect(exit.stderr).toContain('second signal: exiting now');
  });
});
