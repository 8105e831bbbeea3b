import { Metadata, type ClientReadableStream } from '@grpc/grpc-js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createRouteGuideClient } from '../../src/client/client.js';
import type { Feature } from '../../src/gen/messages/route_guide.js';
import { syntheticFeatures } from '../../src/feature-files/synthetic-features.js';
import { recordClientStreams } from '../support/http2-streams.js';
import { startTestServer, type TestServer } from '../support/servers.js';
import { spyOnTraversals, trackIndexWalks } from '../support/traversal-spy.js';
import { eventually } from '../support/wait.js';

const TOTAL = 200_000;
const WORLD = { lo: { latitude: -900_000_000, longitude: -1_800_000_000 }, hi: { latitude: 900_000_000, longitude: 1_800_000_000 } };

let server: TestServer;
/** The index's traversals for ListFeatures: what they produce is the server's work. */
const walks = spyOnTraversals();

beforeAll(async () => {
  server = await startTestServer({ empty: true });
  const index = server.running.index;
  index.load([...syntheticFeatures(TOTAL, 11)]);
  // Replaces the instance's traversal with one that the spy counts and watches.
  trackIndexWalks(index, walks);
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

beforeEach(() => {
  walks.reset();
});

function received(call: ClientReadableStream<Feature>): { count: number } {
  const counter = { count: 0 };
  call.on('data', () => counter.count++);
  call.on('error', () => {});
  return counter;
}

describe('ListFeatures over a large result', () => {
  it('stops producing features while the client does not read: the buffered messages stay bounded', async () => {
    // A client of its own, so that the call's HTTP/2 stream is the only one recorded.
    const recorded = recordClientStreams();
    const client = createRouteGuideClient(server.target);
    try {
      const call = client.raw.listFeatures(WORLD, new Metadata());
      const counter = received(call);
      call.pause();
      // The server has stopped for good when it waits for 'drain' on a spent flow-control window, and
      // the client grants no more: paused with its buffer full, it reads nothing from the stream.
      const clientFull = (): boolean => call.readableLength >= call.readableHighWaterMark;
      const windowSpent = (): boolean => recorded.streams[0]?.state.localWindowSize === 0;
      await eventually(
        async () => (await walks.waitingForDrain()) && clientFull() && windowSpent(),
        15_000,
        "the server to wait for 'drain' on a spent window",
      );
      const stalledAt = walks.produced();
      // What sits between the generator and the paused reader: grpc-js's 16-message buffer, the
      // HTTP/2 flow-control window (64 KiB, about 1,300 small Features) and socket buffers.
      expect(stalledAt - counter.count).toBeLessThan(10_000);
      expect(stalledAt).toBeLessThan(TOTAL / 10);

      // Reading again resumes the stream to its end.
      const ended = new Promise((resolve) => call.on('end', resolve));
      call.resume();
      await ended;
      expect(counter.count).toBe(TOTAL);
      expect(walks.produced()).toBe(TOTAL);
    } finally {
      recorded.stop();
      client.close();
    }
  }, 60_000);

  it('stops the server-side traversal when the client cancels', async () => {
    const call = server.client.raw.listFeatures(WORLD, new Metadata());
    const counter = received(call);
    await new Promise<void>((resolve) => {
      call.on('data', () => {
        if (counter.count === 1_000) {
          call.cancel();
          resolve();
        }
      });
    });
    await walks.ended();
    expect(walks.produced()).toBeLessThan(TOTAL / 10);
  }, 60_000);

  it('stops the server-side traversal when the deadline passes while the reader is paused', async () => {
    const call = server.client.raw.listFeatures(WORLD, new Metadata(), { deadline: Date.now() + 300 });
    const counter = received(call);
    call.pause();
    await walks.ended();
    expect(walks.produced()).toBeLessThan(TOTAL / 10);
    expect(counter.count).toBeLessThan(TOTAL);
  }, 60_000);

  it('answers other calls while a long stream is being sent', async () => {
    const call = server.client.raw.listFeatures(WORLD, new Metadata());
    const counter = received(call);
    const ended = new Promise((resolve) => call.on('end', resolve));
    await new Promise<void>((resolve) => call.once('data', () => resolve()));
    await server.client.getFeature({ latitude: 0, longitude: 0 });
    const duringStream = counter.count;
    await ended;
    expect(duringStream).toBeLessThan(TOTAL);
  }, 60_000);
});
