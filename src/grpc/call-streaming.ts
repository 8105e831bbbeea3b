import type { ServerDuplexStream, ServerReadableStream, ServerWritableStream } from '@grpc/grpc-js';
import type { z } from 'zod';
import { nextTurn } from '../common/event-loop.js';
import type { Logger } from '../observability/logger.js';
import { CallAborted } from '../service/errors.js';
import { validate } from '../service/validation.js';
import { deadlineOf, type CallSignal } from './call-signal.js';
import type { OpenCalls } from './open-calls.js';
import { toGrpcStatus, type GrpcStatus } from './status.js';

/*
 * What every streaming handler shares: backpressure, validated client streams, and one path that
 * settles a call from its outcome.
 */

/** Writes between event-loop yields, so one huge stream never starves other calls. */
export const WRITES_PER_YIELD = 256;

export type WritableCall<T> = ServerWritableStream<unknown, T> | ServerDuplexStream<unknown, T>;
export type ReadableCall = ServerReadableStream<unknown, unknown> | ServerDuplexStream<unknown, unknown>;

/**
 * Resolves on 'drain', on abort, or at the call's deadline (which aborts it), removing its listeners
 * either way: a long stream waits for 'drain' every 16 messages, and a listener left behind each time
 * would grow with the stream. The deadline is checked here because grpc-js cannot deliver
 * DEADLINE_EXCEEDED to a client that has stopped reading (its trailers queue behind the unsent
 * messages), so it never emits 'cancelled' and the handler would wait for as long as the client stalls.
 */
export function drainedOrAborted(call: WritableCall<unknown>, { signal, abort }: CallSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const deadline = deadlineOf(call);
    const timer = Number.isFinite(deadline) ? setTimeout(abort, Math.max(0, deadline - Date.now())) : undefined;
    const done = (): void => {
      clearTimeout(timer);
      call.off('drain', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    call.on('drain', done);
    signal.addEventListener('abort', done);
  });
}

/** Writes one message, honouring backpressure; throws CallAborted once the call is over. */
export async function send<T>(call: WritableCall<T>, callSignal: CallSignal, message: T): Promise<void> {
  if (callSignal.signal.aborted) throw new CallAborted();
  if (call.write(message)) return;
  await drainedOrAborted(call, callSignal);
  if (callSignal.signal.aborted) throw new CallAborted();
}

/** Yields each request of a client stream after validating it; the first bad one throws. */
export async function* validated<T>(call: ReadableCall, { signal }: CallSignal, schema: z.ZodType<T>, field: string): AsyncGenerator<T> {
  let position = 0;
  try {
    // destroyOnReturn: false, because the default destroys the whole duplex when reading ends,
    // dropping the replies still queued and the final status.
    for await (const message of call.iterator({ destroyOnReturn: false })) {
      if (signal.aborted) throw new CallAborted();
      yield validate(schema, message, `${field}[${position++}]`);
    }
  } catch (error) {
    // grpc-js destroys the request stream on cancel; that is an end, not a failure.
    if (signal.aborted) throw new CallAborted();
    throw error;
  }
}

/** The most messages `validatedBatches` hands over at once (grpc-js buffers 16 before it stops reading). */
export const MAX_BATCH = 256;

/**
 * Yields the requests of a client stream in batches, each validated: every message already
 * buffered is read synchronously (`read()` in paused mode), so a long stream costs one promise
 * hop per batch rather than several per message. The first bad message throws, naming its
 * position. Reading stops while a batch is being handled, so memory stays flat however long the
 * stream is.
 */
export async function* validatedBatches<T>(call: ReadableCall, { signal }: CallSignal, schema: z.ZodType<T>, field: string): AsyncGenerator<T[]> {
  // One set of listeners for the whole stream: a client that sends slowly wakes this once per message.
  let wake: (() => void) | undefined;
  const woken = (): void => {
    const resolve = wake;
    wake = undefined;
    resolve?.();
  };
  call.on('readable', woken);
  call.on('end', woken);
  call.on('close', woken);
  signal.addEventListener('abort', woken);
  try {
    let position = 0;
    for (;;) {
      if (signal.aborted) throw new CallAborted();
      const batch: T[] = [];
      let message: unknown;
      while (batch.length < MAX_BATCH && (message = call.read()) !== null) {
        batch.push(validate(schema, message, `${field}[${position++}]`));
      }
      if (batch.length > 0) {
        yield batch;
        continue;
      }
      if (call.readableEnded) return;
      // grpc-js destroys the request stream on cancel; that is an end, not a failure.
      if (call.destroyed) {
        if (signal.aborted || (call as { cancelled?: boolean }).cancelled) throw new CallAborted();
        throw call.errored ?? new CallAborted();
      }
      await new Promise<void>((resolve) => (wake = resolve));
    }
  } finally {
    call.off('readable', woken);
    call.off('end', woken);
    call.off('close', woken);
    signal.removeEventListener('abort', woken);
  }
}

/**
 * Runs a streaming handler's work with its call registered in `openCalls` (so shutdown can end it),
 * and settles the call from the outcome in one place: OK, the mapped error status, or nothing if
 * the call is already over. The returned promise never rejects.
 */
export function runStream<T>(
  openCalls: OpenCalls,
  log: Logger,
  method: string,
  callSignal: CallSignal,
  sendStatus: (status: GrpcStatus) => void,
  succeed: (result: T) => void,
  work: () => Promise<T>,
): Promise<void> {
  const end = (status: GrpcStatus): void => {
    callSignal.abort();
    sendStatus(status);
  };
  const remove = openCalls.add(end);
  let working: Promise<T>;
  try {
    working = work();
  } catch (error) {
    working = Promise.reject(error);
  }
  return working
    .finally(remove)
    .then(
      (result) => {
        if (!callSignal.signal.aborted) succeed(result);
      },
      (error: unknown) => {
        if (error instanceof CallAborted || callSignal.signal.aborted) return;
        end(toGrpcStatus(error, log, method));
      },
    );
}

/** Sends a final non-OK status on a streaming response. */
export function endWithStatus(call: WritableCall<unknown>): (status: GrpcStatus) => void {
  return ({ code, details }) => call.emit('error', { code, details });
}


/**
 * Writes every item with backpressure, awaiting only when grpc-js's buffer is full (an await per
 * message cost a microtask turn each), yielding to the event loop every WRITES_PER_YIELD writes so
 * that one huge stream never starves other calls. Throws CallAborted once the call is over.
 */
export async function writeAll<T>(call: WritableCall<T>, callSignal: CallSignal, items: Iterable<T>): Promise<void> {
  const { signal } = callSignal;
  let sinceYield = 0;
  for (const item of items) {
    if (signal.aborted) throw new CallAborted();
    if (!call.write(item)) {
      await drainedOrAborted(call, callSignal);
      if (signal.aborted) throw new CallAborted();
    }
    if (++sinceYield >= WRITES_PER_YIELD) {
      sinceYield = 0;
      await nextTurn();
    }
  }
}

/** A promise that never settles: what a race waits on when one side has nothing to say. */
const NEVER = new Promise<never>(() => {});

/**
 * Writes each item of an asynchronous source with backpressure. A source that fails while an item
 * waits for a slow reader (a watch whose buffer overflowed) says so through `failure`, which ends
 * the call at once instead of after the reader drains.
 */
export async function writeEach<T>(
  call: WritableCall<T>,
  callSignal: CallSignal,
  source: AsyncIterable<T>,
  failure: Promise<never>,
): Promise<void> {
  const failed = failure.then(
    () => NEVER,
    (error: unknown) => ({ error }),
  );
  for await (const item of source) {
    const outcome = await Promise.race([send(call, callSignal, item).then(() => undefined), failed]);
    if (outcome !== undefined) throw outcome.error;
  }
}
