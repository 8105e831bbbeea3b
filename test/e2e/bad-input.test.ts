import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Point, Rectangle, RouteNote, RouteSummary, Feature } from '../../src/gen/messages/route_guide.js';
import { FeatureIndex } from '../../src/index/feature-index.js';
import { createSilentLogger } from '../../src/observability/logger.js';
import { createRouteGuide, type RouteGuide } from '../../src/service/route-guide.js';
import { listenGrpc, type ListeningServer } from '../../src/grpc/server.js';
import { createMemoryStorage } from '../../src/storage/memory.js';
import type { Storage } from '../../src/storage/storage.js';
import { createRouteGuideClient, type RouteGuideClient } from '../../src/client/client.js';
import { canonical } from '../support/reference.js';
import { RawClient } from '../support/raw-client.js';
import { openStalledCall } from '../support/stalled-client.js';
import { spyOnTraversals, type TraversalSpy } from '../support/traversal-spy.js';
import { eventually } from '../support/wait.js';

const PATH = '/routeguide.RouteGuide/';
const point = (latitude: number, longitude: number) => Buffer.from(Point.encode({ latitude, longitude }).finish());
const rectangle = (lo?: Point, hi?: Point) => Buffer.from(Rectangle.encode({ lo, hi }).finish());
const routeNote = (location: Point | undefined, message: string) => Buffer.from(RouteNote.encode({ location, message }).finish());

/** A RouteNote at `location` whose message field holds these raw bytes. */
function routeNoteWithRawMessage(location: Point, bytes: number[]): Buffer {
  const pointBytes = Point.encode(location).finish();
  return Buffer.from([0x0a, pointBytes.length, ...pointBytes, 0x12, bytes.length, ...bytes]);
}

const MALFORMED = Buffer.from([0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
const TRUNCATED = Buffer.from([0x0a, 0x05, 0x08]);

/** The guide with its ListFeatures walks spied on: what they produce is the server's work for a stream. */
function spiedGuide(inner: RouteGuide, walks: TraversalSpy): RouteGuide {
  return { ...inner, listFeatures: (rect) => walks.track(inner.listFeatures(rect)) };
}

describe('bad input over real connections: the server answers correctly and keeps serving', { timeout: 60_000 }, () => {
  let server: ListeningServer;
  let storage: Storage;
  let raw: RawClient;
  let client: RouteGuideClient;
  const walks = spyOnTraversals();
  const bigIndexSize = 200_000;

  beforeAll(async () => {
    storage = createMemoryStorage();
    const features = canonical.map((f) => ({ name: f.name, ...f.location }));
    // A dense block of extra features far from the canonical ones, for large streams.
    for (let i = 0; i < bigIndexSize; i++) features.push({ name: `bulk ${i}`, latitude: -800000000 + Math.floor(i / 500), longitude: 1000000000 + (i % 500) });
    const index = new FeatureIndex();
    index.load(features);
    const guide = spiedGuide(createRouteGuide({ index, storage, replayLimit: 1000 }), walks);
    server = await listenGrpc({ guide, log: createSilentLogger(), host: '127.0.0.1', port: 0 });
    raw = new RawClient(`127.0.0.1:${server.port}`);
    client = createRouteGuideClient(`127.0.0.1:${server.port}`);
    await storage.addNotes([{ latitude: 77, longitude: 77, message: 'control note' }]);
  });

  afterAll(async () => {
    // Nothing stored was lost or altered, and a well-behaved client is still served.
    expect(await storage.notesAt(77, 77, 10)).toEqual([{ latitude: 77, longitude: 77, message: 'control note' }]);
    expect((await client.getFeature(canonical[0]!.location)).name).toBe(canonical[0]!.name);
    raw.close();
    client.close();
    await server.shutdown(1000);
  });

  describe('answered OK, correctly', () => {
    it.each([
      [900000000, 1800000000],
      [-900000000, -1800000000],
      [900000000, -1800000000],
    ])('GetFeature at the exact limits (%d, %d)', async (latitude, longitude) => {
      const outcome = await raw.unary(`${PATH}GetFeature`, point(latitude, longitude));
      expect(outcome.code).toBe(status.OK);
      expect(Feature.decode(outcome.responses[0]!)).toEqual({ name: '', location: { latitude, longitude } });
    });

    it('ListFeatures with lo and hi swapped equals the normal order', async () => {
      const lo = { latitude: 400000000, longitude: -750000000 };
      const hi = { latitude: 420000000, longitude: -730000000 };
      const normal = await raw.serverStream(`${PATH}ListFeatures`, rectangle(lo, hi));
      const swapped = await raw.serverStream(`${PATH}ListFeatures`, rectangle(hi, lo));
      expect(swapped.code).toBe(status.OK);
      expect(swapped.responses.length).toBeGreaterThan(0);
      expect(swapped.responses.map(String).sort()).toEqual(normal.responses.map(String).sort());
    });

    it('ListFeatures on a degenerate rectangle returns the one feature there', async () => {
      const at = canonical[3]!.location;
      const outcome = await raw.serverStream(`${PATH}ListFeatures`, rectangle(at, at));
      expect(outcome.responses.map((b) => Feature.decode(b).name)).toEqual([canonical[3]!.name]);
    });

    it('ListFeatures over the whole world returns every feature', async () => {
      const outcome = await raw.serverStream(
        `${PATH}ListFeatures`,
        rectangle({ latitude: -900000000, longitude: -1800000000 }, { latitude: 900000000, longitude: 1800000000 }),
      );
      expect(outcome.code).toBe(status.OK);
      expect(outcome.responses).toHaveLength(100 + bigIndexSize);
    });

    it('RouteChat stores and replays an empty note text', async () => {
      await raw.bidiStream(`${PATH}RouteChat`, [routeNote({ latitude: 5, longitude: 5 }, '')]);
      const outcome = await raw.bidiStream(`${PATH}RouteChat`, [routeNote({ latitude: 5, longitude: 5 }, 'next')]);
      expect(outcome.responses.map((b) => RouteNote.decode(b))).toEqual([{ location: { latitude: 5, longitude: 5 }, message: '' }]);
    });

    it('a client that disconnects mid-stream is cleaned up by the server', async () => {
      const call = client.raw.routeChat();
      call.on('error', () => {});
      call.write({ location: { latitude: 6, longitude: 6 }, message: 'hello' });
      await eventually(() => server.openStreams() > 0, 15_000, 'the stream to open');
      call.cancel();
      await eventually(() => server.openStreams() === 0, 15_000, 'the server to drop the stream');
      expect((await storage.notesAt(6, 6, 10)).map((n) => n.message)).toEqual(['hello']);
    });
  });

  describe('INVALID_ARGUMENT naming the field, without internals', () => {
    it.each([
      ['latitude one past +90', point(900000001, 0), 'latitude: 900000001 is out of range'],
      ['latitude one past -90', point(-900000001, 0), 'latitude: -900000001 is out of range'],
      ['longitude one past +180', point(0, 1800000001), 'longitude: 1800000001 is out of range'],
      ['longitude one past -180', point(0, -1800000001), 'longitude: -1800000001 is out of range'],
      ['malformed protobuf bytes', MALFORMED, 'request: is not a valid routeguide.Point message (malformed protobuf)'],
    ])('GetFeature: %s', async (_name, bytes, message) => {
      const outcome = await raw.unary(`${PATH}GetFeature`, bytes);
      expect(outcome.code).toBe(status.INVALID_ARGUMENT);
      expect(outcome.details).toContain(message);
    });

    it.each([
      ['lo missing', rectangle(undefined, { latitude: 1, longitude: 1 }), 'lo: is required'],
      ['hi missing', rectangle({ latitude: 1, longitude: 1 }, undefined), 'hi: is required'],
      ['both missing', Buffer.alloc(0), 'lo: is required'],
      ['malformed protobuf bytes', TRUNCATED, 'request: is not a valid routeguide.Rectangle message (malformed protobuf)'],
    ])('ListFeatures: %s', async (_name, bytes, message) => {
      const outcome = await raw.serverStream(`${PATH}ListFeatures`, bytes);
      expect(outcome.code).toBe(status.INVALID_ARGUMENT);
      expect(outcome.details).toContain(message);
    });

    it('RecordRoute: malformed protobuf bytes in the third point', async () => {
      const outcome = await raw.clientStream(`${PATH}RecordRoute`, [point(1, 1), point(2, 2), MALFORMED]);
      expect(outcome.code).toBe(status.INVALID_ARGUMENT);
      expect(outcome.details).toBe('point[2]: is not a valid routeguide.Point message (malformed protobuf)');
    });

    it('RouteChat: a note missing its location', async () => {
      const outcome = await raw.bidiStream(`${PATH}RouteChat`, [routeNote(undefined, 'lost')]);
      expect(outcome.code).toBe(status.INVALID_ARGUMENT);
      expect(outcome.details).toContain('note[0].location: is required');
    });

    it('RouteChat: a note over 1024 bytes', async () => {
      const outcome = await raw.bidiStream(`${PATH}RouteChat`, [routeNote({ latitude: 8, longitude: 8 }, 'é'.repeat(513))]);
      expect(outcome.code).toBe(status.INVALID_ARGUMENT);
      expect(outcome.details).toContain('note[0].message: is 1026 UTF-8 bytes long; must be at most 1024 bytes');
      expect(await storage.notesAt(8, 8, 10)).toEqual([]);
    });

    it('RouteChat: note text that is not valid UTF-8 is rejected and never stored altered', async () => {
      const outcome = await raw.bidiStream(`${PATH}RouteChat`, [routeNoteWithRawMessage({ latitude: 9, longitude: 9 }, [0x68, 0x69, 0xff, 0xfe])]);
      expect(outcome.code).toBe(status.INVALID_ARGUMENT);
      expect(outcome.details).toBe('note[0].message: is not valid UTF-8');
      expect(await storage.notesAt(9, 9, 10)).toEqual([]);
    });

    it('RouteChat: malformed protobuf bytes', async () => {
      const outcome = await raw.bidiStream(`${PATH}RouteChat`, [MALFORMED]);
      expect(outcome.code).toBe(status.INVALID_ARGUMENT);
      expect(outcome.details).toBe('note[0]: is not a valid routeguide.RouteNote message (malformed protobuf)');
    });

    it('RouteChat: when the 1000th note is invalid, the first 999 stay stored', async () => {
      const notes = Array.from({ length: 999 }, (_, i) => routeNote({ latitude: 100_000 + i, longitude: 3 }, `n${i}`));
      notes.push(routeNote({ latitude: 900000001, longitude: 3 }, 'bad'));
      const outcome = await raw.bidiStream(`${PATH}RouteChat`, notes);
      expect(outcome.code).toBe(status.INVALID_ARGUMENT);
      expect(outcome.details).toContain('note[999].location.latitude: 900000001 is out of range');
      for (let i = 0; i < 999; i++) {
        expect(await storage.notesAt(100_000 + i, 3, 10)).toEqual([{ latitude: 100_000 + i, longitude: 3, message: `n${i}` }]);
      }
    });
  });

  describe('other status codes', () => {
    it('an unknown method is UNIMPLEMENTED', async () => {
      const outcome = await raw.unary(`${PATH}DeleteFeature`, point(1, 1));
      expect(outcome.code).toBe(status.UNIMPLEMENTED);
    });

    it('a message over the size limit is RESOURCE_EXHAUSTED', async () => {
      const outcome = await raw.bidiStream(`${PATH}RouteChat`, [routeNote({ latitude: 1, longitude: 1 }, 'x'.repeat(5 * 1024 * 1024))]);
      expect(outcome.code).toBe(status.RESOURCE_EXHAUSTED);
    });

    it('a 1 ms deadline on a huge ListFeatures is DEADLINE_EXCEEDED, and the server stops its work', async () => {
      const before = walks.produced();
      const call = client.listFeatures(
        { lo: { latitude: -900000000, longitude: -1800000000 }, hi: { latitude: 900000000, longitude: 1800000000 } },
        { timeoutMs: 1 },
      );
      await expect(async () => {
        for await (const _ of call) {
          // read everything the server manages to send
        }
      }).rejects.toMatchObject({ code: status.DEADLINE_EXCEEDED });
      // Once its walk is closed, the server does no more work for the stream.
      await eventually(() => server.openStreams() === 0 && walks.open() === 0, 15_000, 'the server to end the stream and its walk');
      const work = walks.produced() - before;
      expect(work).toBeLessThan(bigIndexSize / 2);
    });

    it('a client that never reads leaves the server holding a bounded number of messages; others are still served', async () => {
      const before = walks.produced();
      const stalled = openStalledCall(
        server.port,
        `${PATH}ListFeatures`,
        Rectangle.encode({ lo: { latitude: -900000000, longitude: -1800000000 }, hi: { latitude: 900000000, longitude: 1800000000 } }).finish(),
      );
      await eventually(() => walks.produced() > before, 15_000, 'the stream to start');
      // It has stopped for good once it waits for 'drain' on a window the client never refills.
      await eventually(async () => (await walks.waitingForDrain()) && stalled.windowSpent(), 30_000, "the server to wait for 'drain' on a spent window");
      const work = walks.produced() - before;
      // Flow control stops the server after a window's worth, far short of the 200,100 features.
      expect(work).toBeLessThan(20_000);
      expect(server.openStreams()).toBe(1);
      // Meanwhile another client is answered in full.
      expect((await client.getFeature(canonical[1]!.location)).name).toBe(canonical[1]!.name);
      const summary = await client.recordRoute([canonical[0]!.location, canonical[1]!.location]);
      expect(summary.featureCount).toBe(2);
      stalled.close();
      await eventually(() => server.openStreams() === 0, 15_000, 'the server to drop the stream');
    });
  });
});

describe('RecordRoute of 50,000 points', () => {
  const POINTS = 50_000;
  /** Where the route pauses for a heap reading: past warm-up, and near the end. */
  const FIRST_READING = 10_000;
  const SECOND_READING = 45_000;

  it('counts every point with memory that does not grow with the route', async () => {
    // The heap after a full collection, read inside this worker: the server runs in-process.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const settledHeap = (): number => {
      gc();
      gc();
      return process.memoryUsage().heapUsed;
    };

    const index = new FeatureIndex();
    index.load(canonical.map((f) => ({ name: f.name, ...f.location })));
    const inner = createRouteGuide({ index, storage: createMemoryStorage(), replayLimit: 10 });
    // Points the handler has taken from the stream, so a reading waits until the server caught up.
    let taken = 0;
    const guide: RouteGuide = {
      ...inner,
      recordRoute(points, context) {
        return inner.recordRoute(
          (async function* counted() {
            for await (const batch of points) {
              taken += batch.length;
              yield batch;
            }
          })(),
          context,
        );
      },
    };
    const server = await listenGrpc({ guide, log: createSilentLogger(), host: '127.0.0.1', port: 0 });
    // The client shares this heap, and grpc-js keeps each message a call sent, for a possible retry,
    // until the call commits: for RecordRoute at its end, or after 1 MB (some 100,000 points here).
    // With no retry buffer the call commits at once, and the readings see the server alone.
    const client = createRouteGuideClient(`127.0.0.1:${server.port}`, { channelOptions: { 'grpc.per_rpc_retry_buffer_size': 0 } });
    const heapAt = new Map<number, number>();
    try {
      async function* route() {
        for (let i = 0; i < POINTS; i++) {
          if (i === FIRST_READING || i === SECOND_READING) {
            await eventually(() => taken === i, 5000, `the server to take the first ${i} points`);
            heapAt.set(i, settledHeap());
          }
          yield i % 10 === 0 ? canonical[i % 100]!.location : { latitude: i, longitude: -i };
        }
      }
      const summary: RouteSummary = await client.recordRoute(route());
      expect(summary.pointCount).toBe(POINTS);
      expect(summary.featureCount).toBe(POINTS / 10);
    } finally {
      client.close();
      await server.shutdown(1000);
    }
    // Keeping each point costs a small object and a reference, some 65 bytes (2.3 MB over these
    // 35,000); the heap's own noise between two readings is within ±150 kB. 15 bytes a point is 525 kB.
    const growth = heapAt.get(SECOND_READING)! - heapAt.get(FIRST_READING)!;
    expect(growth, `heap growth over ${SECOND_READING - FIRST_READING} points, in bytes`).toBeLessThan((SECOND_READING - FIRST_READING) * 15);
  }, 30_000);
});
