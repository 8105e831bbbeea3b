import type { ServerDuplexStream, ServerReadableStream, ServerWritableStream } from '@grpc/grpc-js';
import { nextTurn } from '../common/event-loop.js';
import type { Logger } from '../observability/logger.js';
import { CallAborted } from '../service/errors.js';
import { ITEMS_PER_YIELD } from '../transport/pacing.js';
import { deadlineOf, type CallSignal } from './call-signal.js';
import type { OpenCalls } from './open-calls.js';
import { toGrpcStatus, type GrpcStatus } from './status.js';

/*
 * What every streaming handler shares: backpressure and one path that settles a call from its
 * outcome (validated client streams are in validated-reader.ts).
 */

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
 * message cost a microtask turn each), yielding to the event loop every ITEMS_PER_YIELD writes so
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
    if (++sinceYield >= ITEMS_PER_YIELD) {
      sinceYield = 0;
      await nextTurn();
    }
  }
}

/** A promise that never settles: what a race waits on when one side has nothing to say. */
const NEVER = new Promise<never>(() => {});

/**
 * Writes each item of an asynchronous source (RouteChat's replies, a watch's notes) with
 * backpressure, awaiting only when grpc-js's buffer is full. A source that fails while an item
 * waits for a slow reader (a watch whose buffer overflowed) says so through `failure`, which ends
 * the call at once instead of after the reader drains. Throws CallAborted once the call is over.
 */
export async function writeEach<T>(
  call: WritableCall<T>,
  callSignal: CallSignal,
  source: AsyncIterable<T>,
  failure?: Promise<never>,
): Promise<void> {
  const { signal } = callSignal;
  const failed = failure?.then(
    () => NEVER,
    (error: unknown) => ({ error }),
  );
  for await (const item of source) {
    if (signal.aborted) throw new CallAborted();
    if (call.write(item)) continue;
    const drained = drainedOrAborted(call, callSignal);
    const outcome = failed === undefined ? await drained : await Promise.race([drained, failed]);
    if (outcome !== undefined) throw outcome.error;
    if (signal.aborted) throw new CallAborted();
  }
}
