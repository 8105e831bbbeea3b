import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRouteGuideClient, type RouteGuideClient } from '../../src/client/client.js';
import type { RouteNote } from '../../src/gen/messages/route_guide.js';
import { listenGrpc, type ListeningServer } from '../../src/grpc/server.js';
import { FeatureIndex } from '../../src/index/feature-index.js';
import { createRouteGuide } from '../../src/service/route-guide.js';
import { openSqliteStorage } from '../../src/storage/sqlite/sqlite-storage.js';
import type { Storage, StoredNote } from '../../src/storage/storage.js';
import { captureLog, type CapturedLog } from '../support/captured-log.js';
import { observeCommits, type ObservedStorage } from '../support/observed-storage.js';
import { temporaryDirectory } from '../support/servers.js';

const STREAMS = 32;
const NOTES = 20;
const at = (s: number) => ({ latitude: 100_000 + s, longitude: -200_000 - s });

describe('RouteChat group commit over real connections (SQLite)', () => {
  const directory = temporaryDirectory();
  const path = join(directory.path, 'chat.db');
  let observed: ObservedStorage;
  let reader: Storage;
  let server: ListeningServer;
  let client: RouteGuideClient;
  let captured: CapturedLog;

  beforeAll(async () => {
    observed = observeCommits(openSqliteStorage({ path }));
    // Another connection to the same database: what any other reader sees.
    reader = openSqliteStorage({ path });
    captured = captureLog('error');
    const guide = createRouteGuide({ index: new FeatureIndex(), storage: observed.storage, replayLimit: 1000 });
    server = await listenGrpc({ guide, log: captured.log, host: '127.0.0.1', port: 0 });
    client = createRouteGuideClient(`127.0.0.1:${server.port}`);
  });

  afterAll(async () => {
    client.close();
    await server.shutdown(1000);
    await reader.close();
    await observed.storage.close();
    directory.remove();
  });

  it(
    "commits many concurrent streams' notes in fewer transactions than notes; each stream's replies keep its notes' order, and each note is readable elsewhere before its reply arrives",
    { timeout: 60_000 },
    async () => {
      // Every reply starts with the stream's seed note, so a seed marks the reply to the stream's next note.
      await observed.storage.addNotes(Array.from({ length: STREAMS }, (_, s) => ({ ...at(s), message: `seed ${s}` })));
      const before = observed.commits.length;
      const readable: Promise<boolean>[] = [];
      const received = await Promise.all(
        Array.from({ length: STREAMS }, async (_, s) => {
          const notes: RouteNote[] = Array.from({ length: NOTES }, (_, k) => ({ location: at(s), message: `${s}-${k}` }));
          const got: string[] = [];
          let answering = -1;
          for await (const reply of client.routeChat(notes)) {
            if (reply.message === `seed ${s}`) {
              answering++;
              const expected = `${s}-${answering}`;
              // SQLite reads synchronously when called: this is what another reader sees on arrival.
              const seen = reader.notesAt(at(s).latitude, at(s).longitude, 1000);
              readable.push(seen.then((stored: StoredNote[]) => stored.some((note) => note.message === expected)));
            }
            got.push(reply.message);
          }
          return got;
        }),
      );
      for (let s = 0; s < STREAMS; s++) {
        const expected = Array.from({ length: NOTES }, (_, k) => [`seed ${s}`, ...Array.from({ length: k }, (_, j) => `${s}-${j}`)]).flat();
        expect(received[s]).toEqual(expected);
      }
      expect(await Promise.all(readable)).toEqual(Array.from({ length: STREAMS * NOTES }, () => true));
      const chatCommits = observed.commits.slice(before);
      expect(chatCommits.flat()).toHaveLength(STREAMS * NOTES);
      expect(chatCommits.length).toBeLessThan(STREAMS * NOTES);
    },
  );

  it('ends every stream with INTERNAL, logged, when its commit fails, as a failed single write did, and stores none of its notes', async () => {
    observed.failNext(new Error('disk I/O error'));
    const outcome = await (async () => {
      try {
        for await (const _ of client.routeChat([{ location: at(999), message: 'lost' }])) {
          // No replies: nothing was stored there before.
        }
        return undefined;
      } catch (error) {
        return error as { code: number; details: string };
      }
    })();
    expect(outcome).toMatchObject({ code: status.INTERNAL, details: 'internal error' });
    const logged = await captured.waitFor((line) => line.msg === 'unexpected error in handler');
    expect(logged).toMatchObject({ method: 'RouteChat', err: { message: 'disk I/O error' } });
    expect(await reader.notesAt(at(999).latitude, at(999).longitude, 10)).toEqual([]);
  });
});
