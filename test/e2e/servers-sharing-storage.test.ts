import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RouteNote } from '../../src/gen/messages/route_guide.js';
import { CANONICAL_SEED_FILE } from '../../src/feature-files/feature-file.js';
import { syntheticFeatures } from '../../src/feature-files/synthetic-features.js';
import { openSqliteStorage } from '../../src/storage/sqlite/sqlite-storage.js';
import type { Storage } from '../../src/storage/storage.js';
import { ensureBuilt, runCli } from '../support/cli.js';
import { collect, startTestServer, temporaryDirectory, type TestServer } from '../support/servers.js';
import { eventually } from '../support/wait.js';

const WORLD = { lo: { latitude: -900000000, longitude: -1800000000 }, hi: { latitude: 900000000, longitude: 1800000000 } };
const note = (latitude: number, longitude: number, message: string): RouteNote => ({ location: { latitude, longitude }, message });

describe('servers sharing one SQLite database', () => {
  const directory = temporaryDirectory();
  let databases = 0;
  const servers: TestServer[] = [];
  const storages: Storage[] = [];

  /** A fresh database file and a starter for servers on it (empty unless told otherwise). */
  function database() {
    const url = `sqlite:${join(directory.path, `shared-${databases++}.db`)}`;
    return {
      url,
      async start(options: Parameters<typeof startTestServer>[0] = {}): Promise<TestServer> {
        const server = await startTestServer({ storageUrl: url, empty: true, ...options });
        servers.push(server);
        return server;
      },
      open(options: { importBatchRows?: number } = {}): Storage {
        const storage = openSqliteStorage({ path: url.slice('sqlite:'.length), ...options });
        storages.push(storage);
        return storage;
      },
    };
  }

  beforeAll(() => ensureBuilt(), 120_000);
  afterEach(async () => {
    for (const server of servers.splice(0)) await server.stop();
    for (const storage of storages.splice(0)) await storage.close();
  });
  afterAll(() => directory.remove());

  it('shows a running server the features of a `routeguide seed` process without a restart', async () => {
    const shared = database();
    const server = await shared.start({ metricsPort: 0 });
    const seeded = await runCli(['seed', '--storage', shared.url, '--synthetic', '5000', '--random-seed', '4'], { timeoutMs: 60_000 });
    expect(seeded.code).toBe(0);
    await eventually(async () => (await collect(server.client.listFeatures(WORLD))).length === 5000, 20_000, '5000 features listed');
    const [first] = [...syntheticFeatures(1, 4)];
    const found = await server.client.getFeature({ latitude: first!.latitude, longitude: first!.longitude });
    expect(found.name).toBe(first!.name);
    const metrics = await (await fetch(`http://127.0.0.1:${server.running.metricsPort}/metrics`)).text();
    expect(metrics).toMatch(/^routeguide_features_indexed 5000$/m);
  }, 90_000);

  it("shows a running server the features another server's --seed imported", async () => {
    const shared = database();
    const first = await shared.start();
    expect(first.running.index.size).toBe(0);
    await shared.start({ seedFile: CANONICAL_SEED_FILE });
    await eventually(async () => (await collect(first.client.listFeatures(WORLD))).length === 100, 20_000, '100 features listed');
    const feature = await first.client.getFeature({ latitude: 409146138, longitude: -746188906 });
    expect(feature.name).toBe('Berkshire Valley Management Area Trail, Jefferson, NJ, USA');
  }, 30_000);

  it('never shows a reader part of an import: every count observed is a whole number of imports', async () => {
    const shared = database();
    const server = await shared.start();
    // Small copy batches: each import commits its rows to the file in many transactions first.
    const importer = shared.open({ importBatchRows: 1000 });
    const whole = new Set<number>([0]);
    const observed = new Set<number>();
    let watching = true;
    const watchIndex = (): void => {
      observed.add(server.running.index.size);
      if (watching) setImmediate(watchIndex);
    };
    watchIndex();
    const listed: number[] = [];
    const listing = (async () => {
      while (watching) listed.push((await collect(server.client.listFeatures(WORLD))).length);
    })();
    let total = 0;
    for (const [size, seed] of [[30_000, 11], [20_000, 12], [10_000, 13]] as const) {
      total += (await importer.insertFeatures(syntheticFeatures(size, seed))).inserted;
      whole.add(total);
    }
    await eventually(() => server.running.index.size === total, 30_000, `${total} features indexed`);
    watching = false;
    await listing;
    observed.add(server.running.index.size);
    expect(listed.length).toBeGreaterThan(0);
    for (const count of [...observed, ...listed]) expect(whole).toContain(count);
  }, 120_000);

  it('delivers a note posted to one server to a WatchNotes on another', async () => {
    const shared = database();
    const a = await shared.start();
    const b = await shared.start();
    const received: string[] = [];
    const controller = new AbortController();
    const watching = (async () => {
      for await (const delivered of b.client.watchNotes(WORLD, { signal: controller.signal })) received.push(delivered.message);
    })().catch(() => undefined);
    await eventually(() => b.running.server.openStreams() === 1, 10_000, 'the watch to open');
    await a.client.postNote(note(7, 7, 'posted to A'));
    await collect(a.client.routeChat([note(8, 8, 'chatted to A')]));
    await eventually(() => received.length === 2, 20_000, 'both notes on B');
    expect(received).toEqual(['posted to A', 'chatted to A']);
    controller.abort();
    await watching;
  }, 30_000);

  it('replays through RouteChat and PostNote on one server the notes stored through another', async () => {
    const shared = database();
    const a = await shared.start();
    const b = await shared.start();
    await a.client.postNote(note(3, 3, 'first, via A'));
    await collect(b.client.routeChat([note(3, 3, 'second, via B')]));
    const replayed = await a.client.postNote(note(3, 3, 'third, via A'));
    expect(replayed.earlierNotes.map((earlier) => earlier.message)).toEqual(['first, via A', 'second, via B']);
    const chat = await collect(b.client.routeChat([note(3, 3, 'fourth, via B')]));
    expect(chat.map((earlier) => earlier.message)).toEqual(['first, via A', 'second, via B', 'third, via A']);
  }, 30_000);
});
