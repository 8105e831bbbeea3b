import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createRouteGuideClient, type RouteGuideClient } from '../../src/client/client.js';
import type { RouteNote } from '../../src/gen/messages/route_guide.js';
import { startServerProcess } from '../support/cli.js';
import { collect, temporaryDirectory } from '../support/servers.js';

const LOCATIONS = 12;
const CHATTERS = 24;
const CONFIRMED_BEFORE_KILL = 600;
const location = (k: number) => ({ latitude: 300_000_000 + k, longitude: -700_000_000 - k });

describe('durability: a crash of the server process loses no confirmed note', () => {
  const directory = temporaryDirectory();
  afterAll(() => directory.remove());

  it('keeps every note any client saw replayed, in order, after SIGKILL mid-traffic and a restart', async () => {
    const database = `sqlite:${join(directory.path, 'durable.db')}`;
    // A larger feature set so that the concurrent reader's ListFeatures streams run long.
    const seedFile = join(directory.path, 'features.json');
    writeFileSync(
      seedFile,
      JSON.stringify(Array.from({ length: 20_000 }, (_, i) => ({ name: `f${i}`, location: { latitude: i * 1000, longitude: i * 1000 } }))),
    );
    const args = ['--storage', database, '--seed', seedFile, '--replay-limit', '100000'];
    const server = await startServerProcess(args);

    /** Every replay a client saw, by location: each is the list of notes stored there before its note. */
    const replays: string[][][] = Array.from({ length: LOCATIONS }, () => []);
    const confirmed = new Set<string>();
    let killed = false;
    let reachedTarget: () => void = () => {};
    const target = new Promise<void>((resolve) => (reachedTarget = resolve));
    const clients: RouteGuideClient[] = [];

    async function chatter(id: number): Promise<void> {
      const client = createRouteGuideClient(server.target);
      clients.push(client);
      for (let sequence = 0; !killed; sequence++) {
        const k = (id + sequence) % LOCATIONS;
        const note: RouteNote = { location: location(k), message: `c${id}-${sequence}` };
        try {
          const replay = (await collect(client.routeChat([note]))).map((n) => n.message);
          replays[k]!.push(replay);
          for (const message of replay) confirmed.add(message);
          if (confirmed.size >= CONFIRMED_BEFORE_KILL) reachedTarget();
        } catch {
          // Calls in flight when the process dies fail; only what was seen counts.
        }
      }
    }

    async function reader(): Promise<number> {
      const client = createRouteGuideClient(server.target);
      clients.push(client);
      let streamed = 0;
      while (!killed) {
        try {
          for await (const _ of client.listFeatures({ lo: { latitude: 0, longitude: 0 }, hi: { latitude: 900000000, longitude: 1800000000 } })) {
            streamed++;
          }
        } catch {
          // The kill ends the stream.
        }
      }
      return streamed;
    }

    const work = [...Array.from({ length: CHATTERS }, (_, id) => chatter(id)), reader()];
    await target;
    killed = true;
    server.child.kill('SIGKILL');
    await server.stop();
    const results = await Promise.all(work);
    for (const client of clients) client.close();
    expect(results.at(-1)).toBeGreaterThan(0);
    expect(confirmed.size).toBeGreaterThanOrEqual(CONFIRMED_BEFORE_KILL);

    const restarted = await startServerProcess(['--storage', database, '--replay-limit', '100000']);
    const probe = createRouteGuideClient(restarted.target);
    try {
      let checked = 0;
      for (let k = 0; k < LOCATIONS; k++) {
        const kept = (await collect(probe.routeChat([{ location: location(k), message: 'probe' }]))).map((n) => n.message);
        for (const seen of replays[k]!) {
          // Everything that replay showed is still stored there, in the same order, ahead of anything later.
          expect(kept.slice(0, seen.length)).toEqual(seen);
          checked += seen.length;
        }
      }
      expect(checked).toBeGreaterThan(0);
    } finally {
      probe.close();
      expect(await restarted.stop()).toBe(0);
    }
  }, 120_000);
});
