import { Metadata, type ClientReadableStream } from '@grpc/grpc-js';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Feature } from '../../src/gen/messages/route_guide.js';
import type { Box } from '../../src/index/feature-index.js';
import { syntheticFeatures } from '../../src/feature-files/synthetic-features.js';
import { startTestServer, type TestServer } from '../support/servers.js';

const TOTAL = 200_000;
const WORLD = { lo: { latitude: -900_000_000, longitude: -1_800_000_000 }, hi: { latitude: 900_000_000, longitude: 1_800_000_000 } };

let server: TestServer;
/** Features the index's traversal has produced for ListFeatures: the server's work. */
let produced = 0;
let traversalEnded: Promise<void>;

beforeAll(async () => {
  server = await startTestServer({ empty: true });
  const index = server.running.index;
  index.load([...syntheticFeatures(TOTAL, 11)]);
  type Make = (name: string, latitude: number, longitude: number) => unknown;
  const within = index.within.bind(index) as (box: Box, make?: Make) => Generator<unknown, void, undefined>;
  // Replaces the instance's traversal with one that counts what it produces and says when it stops.
  Object.assign(index, {
    *within(box: Box, make?: Make): Generator<unknown, void, undefined> {
      let ended!: () => void;
      traversalEnded = new Promise((resolve) => (ended = resolve));
      try {
        for (const feature of within(box, make)) {
          produced++;
          yield feature;
        }
      } finally {
        ended();
      }
    },
  });
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

beforeEach(() => {
  produced = 0;
});

function received(call: ClientReadableStream<Feature>): { count: number } {
  const counter = { count: 0 };
  call.on('data', () => counter.count++);
  call.on('error', () => {});
  return counter;
}

/** Resolves once the server's traversal has stopped advancing (it is waiting on backpressure). */
async function whenProductionStalls(): Promise<number> {
  let last = -1;
  let still = 0;
  while (still < 10) {
    await new Promise((resolve) => setTimeout(resolve, 20));
    still = produced === last ? still + 1 : 0;
    last = produced;
  }
  return produced;
}

describe('ListFeatures over a large result', () => {
  it('stops producing features while the client does not read: the buffered messages stay bounded', async () => {
    const call = server.client.raw.listFeatures(WORLD, new Metadata());
    const counter = received(call);
    call.pause();
    const stalledAt = await whenProductionStalls();
    // What sits between the generator and the paused reader: grpc-js's 16-message buffer, the
    // HTTP/2 flow-control window (64 KiB, about 1,300 small Features) and socket buffers.
    expect(stalledAt - counter.count).toBeLessThan(10_000);
    expect(stalledAt).toBeLessThan(TOTAL / 10);

    // Reading again resumes the stream to its end.
    const ended = new Promise((resolve) => call.on('end', resolve));
    call.resume();
    await ended;
    expect(counter.count).toBe(TOTAL);
    expect(produced).toBe(TOTAL);
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
    await traversalEnded;
    expect(produced).toBeLessThan(TOTAL / 10);
  }, 60_000);

  it('stops the server-side traversal when the deadline passes while the reader is paused', async () => {
    const call = server.client.raw.listFeatures(WORLD, new Metadata(), { deadline: Date.now() + 300 });
    const counter = received(call);
    call.pause();
    await traversalEnded;
    expect(produced).toBeLessThan(TOTAL / 10);
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
