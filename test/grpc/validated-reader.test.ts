import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { CallSignal } from '../../src/grpc/call-signal.js';
import type { ReadableCall } from '../../src/grpc/call-streaming.js';
import { MAX_BATCH, MAX_QUEUED_MESSAGES, validated, validatedBatches } from '../../src/grpc/validated-reader.js';
import { CallAborted, Code, RouteGuideError } from '../../src/service/errors.js';
import { pointSchema } from '../../src/service/validation.js';

/** A client stream as grpc-js's server call is one: an object-mode Readable fed by the test. */
function fakeCall(): Readable & { pushed: number } {
  const call = Object.assign(new Readable({ objectMode: true, read() {} }), { pushed: 0 });
  const push = call.push.bind(call);
  call.push = (chunk: unknown) => {
    if (chunk !== null) call.pushed++;
    return push(chunk);
  };
  return call;
}

function signalOf(): CallSignal {
  const controller = new AbortController();
  return { signal: controller.signal, abort: () => controller.abort() };
}

const point = (i: number) => ({ latitude: i, longitude: -i });
const asCall = (call: Readable) => call as unknown as ReadableCall;

async function* source<T>(iterable: AsyncIterable<T>): AsyncGenerator<T> {
  yield* iterable;
}

describe('validatedBatches (gRPC client streams)', () => {
  it('hands over what arrived together as one batch, validated, and ends with the stream', async () => {
    const call = fakeCall();
    const batches = validatedBatches(asCall(call), signalOf(), pointSchema, 'point');
    for (let i = 0; i < 5; i++) call.push(point(i));
    const first = await batches.next();
    expect(first.value).toEqual([0, 1, 2, 3, 4].map(point));
    call.push(point(5));
    call.push(null);
    expect((await batches.next()).value).toEqual([point(5)]);
    expect((await batches.next()).done).toBe(true);
  });

  it('hands over in one batch the messages that arrive one per tick within a turn, as grpc-js delivers them', async () => {
    const call = fakeCall();
    const batches = validatedBatches(asCall(call), signalOf(), pointSchema, 'point');
    const first = batches.next();
    let i = 0;
    // grpc-js pushes each message from a promise continuation, and asks for the next on a later tick.
    const pushOne = (): void => {
      call.push(point(i++));
      if (i < 10) process.nextTick(() => queueMicrotask(pushOne));
    };
    pushOne();
    expect((await first).value).toEqual(Array.from({ length: 10 }, (_, j) => point(j)));
  });

  it('hands over the points before a bad one, then fails naming its position', async () => {
    const call = fakeCall();
    const batches = validatedBatches(asCall(call), signalOf(), pointSchema, 'point');
    const pending = batches.next();
    call.push(point(0));
    call.push(point(1));
    call.push({ latitude: 900_000_001, longitude: 0 });
    call.push(point(3));
    expect((await pending).value).toEqual([point(0), point(1)]);
    const failure = await batches.next().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(RouteGuideError);
    expect((failure as RouteGuideError).code).toBe(Code.INVALID_ARGUMENT);
    expect((failure as RouteGuideError).message).toMatch(/^point\[2\]\.latitude: 900000001 is out of range/);
  });

  it('pauses the call once MAX_BATCH points wait untaken, and reads on when they are taken', async () => {
    const call = fakeCall();
    const batches = validatedBatches(asCall(call), signalOf(), pointSchema, 'point');
    const first = batches.next();
    call.push(point(-1));
    expect((await first).value).toEqual([point(-1)]);
    // Nobody is taking now.
    for (let i = 0; i < MAX_BATCH + 50; i++) call.push(point(i));
    await new Promise((resolve) => setImmediate(resolve));
    // Everything past the limit stays in the stream's buffer.
    expect(call.isPaused()).toBe(true);
    expect(call.readableLength).toBe(50);
    const taken = (await batches.next()).value as unknown[];
    expect(taken.length).toBe(MAX_BATCH);
    expect(call.isPaused()).toBe(false);
    const rest = (await batches.next()).value as unknown[];
    expect(rest.length).toBe(50);
  });

  it('ends with CallAborted when the stream is destroyed without an end (a cancel), or the call is aborted', async () => {
    const cancelled = fakeCall();
    const batches = validatedBatches(asCall(cancelled), signalOf(), pointSchema, 'point');
    const pending = batches.next();
    cancelled.destroy();
    await expect(pending).rejects.toBeInstanceOf(CallAborted);

    const aborted = fakeCall();
    const callSignal = signalOf();
    const other = validatedBatches(asCall(aborted), callSignal, pointSchema, 'point');
    const waiting = other.next();
    callSignal.abort();
    await expect(waiting).rejects.toBeInstanceOf(CallAborted);
  });
});

describe('validated (gRPC client streams, one message at a time)', () => {
  it('yields each message in order, the ones before a bad one first, then fails naming it', async () => {
    const call = fakeCall();
    const seen: unknown[] = [];
    const reading = (async () => {
      for await (const value of source(validated(asCall(call), signalOf(), pointSchema, 'note'))) seen.push(value);
    })();
    call.push(point(0));
    call.push(point(1));
    call.push({ latitude: 0 });
    await expect(reading).rejects.toThrow(/^note\[2\]\.longitude: /);
    expect(seen).toEqual([point(0), point(1)]);
  });

  it('holds at most MAX_QUEUED_MESSAGES for a consumer that stops taking, and pauses the call when it leaves early', async () => {
    const call = fakeCall();
    const iterator = validated(asCall(call), signalOf(), pointSchema, 'note')[Symbol.asyncIterator]();
    expect((await Promise.all([iterator.next(), Promise.resolve(call.push(point(0)))]))[0].value).toEqual(point(0));
    for (let i = 1; i <= 100; i++) call.push(point(i));
    await new Promise((resolve) => setImmediate(resolve));
    // Pushed, but left in the stream's buffer rather than in the reader's queue.
    expect(call.isPaused()).toBe(true);
    expect(call.readableLength).toBe(100 - MAX_QUEUED_MESSAGES);
    await iterator.return!();
    expect(call.listenerCount('data')).toBe(0);
    expect(call.isPaused()).toBe(true);
  });
});
