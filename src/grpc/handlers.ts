import type {
  ServerDuplexStream,
  ServerReadableStream,
  ServerUnaryCall,
  ServerWritableStream,
  sendUnaryData,
} from '@grpc/grpc-js';
import type { z } from 'zod';
import { nextTurn } from '../common/event-loop.js';
import type { Feature, Point, Rectangle, RouteNote, RouteSummary } from '../gen/messages/route_guide.js';
import type { RouteGuideServer } from '../gen/grpc-js/route_guide.js';
import type { Logger } from '../observability/logger.js';
import { CallAborted } from '../service/errors.js';
import type { RouteGuide } from '../service/route-guide.js';
import { pointSchema, rectangleSchema, routeNoteSchema, validate } from '../service/validation.js';
import { createCallSignal, deadlineOf, type CallSignal } from './call-signal.js';
import type { OpenCalls } from './open-calls.js';
import { toGrpcStatus, type GrpcStatus } from './status.js';

/** Writes between event-loop yields, so one huge stream never starves other calls. */
const WRITES_PER_YIELD = 256;

type WritableCall<T> = ServerWritableStream<unknown, T> | ServerDuplexStream<unknown, T>;
type ReadableCall = ServerReadableStream<unknown, unknown> | ServerDuplexStream<unknown, unknown>;

/**
 * Resolves on 'drain', on abort, or at the call's deadline (which aborts it), removing its listeners
 * either way: a long stream waits for 'drain' every 16 messages, and a listener left behind each time
 * would grow with the stream. The deadline is checked here because grpc-js cannot deliver
 * DEADLINE_EXCEEDED to a client that has stopped reading (its trailers queue behind the unsent
 * messages), so it never emits 'cancelled' and the handler would wait for as long as the client stalls.
 */
function drainedOrAborted(call: WritableCall<unknown>, { signal, abort }: CallSignal): Promise<void> {
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
async function send<T>(call: WritableCall<T>, callSignal: CallSignal, message: T): Promise<void> {
  if (callSignal.signal.aborted) throw new CallAborted();
  if (call.write(message)) return;
  await drainedOrAborted(call, callSignal);
  if (callSignal.signal.aborted) throw new CallAborted();
}

/** Yields each request of a client stream after validating it; the first bad one throws. */
async function* validated<T>(call: ReadableCall, { signal }: CallSignal, schema: z.ZodType<T>, field: string): AsyncGenerator<T> {
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

/**
 * Runs a streaming handler's work with its call registered in `openCalls` (so shutdown can end it),
 * and settles the call from the outcome in one place: OK, the mapped error status, or nothing if
 * the call is already over. The returned promise never rejects.
 */
function runStream<T>(
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
function endWithStatus(call: WritableCall<unknown>): (status: GrpcStatus) => void {
  return ({ code, details }) => call.emit('error', { code, details });
}

/**
 * Adapts the RouteGuide logic to grpc-js: decoding is done (request-decoding.ts), so each handler
 * validates, calls the logic with the call's AbortSignal, streams with backpressure, and settles
 * through one path, so that a rejected promise never becomes an unhandled rejection and every error
 * maps to a status in one place.
 */
export function createGrpcHandlers(guide: RouteGuide, log: Logger, openCalls: OpenCalls): RouteGuideServer {
  return {
    getFeature(call: ServerUnaryCall<Point, Feature>, callback: sendUnaryData<Feature>) {
      try {
        callback(null, guide.getFeature(validate(pointSchema, call.request)));
      } catch (error) {
        callback(toGrpcStatus(error, log, 'GetFeature'));
      }
    },

    listFeatures(call: ServerWritableStream<Rectangle, Feature>) {
      const callSignal = createCallSignal(call);
      const { signal } = callSignal;
      void runStream(openCalls, log, 'ListFeatures', callSignal, endWithStatus(call), () => call.end(), async () => {
        const features = guide.listFeatures(validate(rectangleSchema, call.request));
        let sinceYield = 0;
        for (const feature of features) {
          if (signal.aborted) throw new CallAborted();
          // Await only when grpc-js's buffer is full: an await per message cost a microtask turn each.
          if (!call.write(feature)) {
            await drainedOrAborted(call, callSignal);
            if (signal.aborted) throw new CallAborted();
          }
          if (++sinceYield >= WRITES_PER_YIELD) {
            sinceYield = 0;
            await nextTurn();
          }
        }
      });
    },

    recordRoute(call: ServerReadableStream<Point, RouteSummary>, callback: sendUnaryData<RouteSummary>) {
      const callSignal = createCallSignal(call);
      void runStream(
        openCalls,
        log,
        'RecordRoute',
        callSignal,
        (status) => callback(status),
        (summary) => callback(null, summary),
        () => guide.recordRoute(validated(call, callSignal, pointSchema, 'point'), callSignal),
      );
    },

    routeChat(call: ServerDuplexStream<RouteNote, RouteNote>) {
      const callSignal = createCallSignal(call);
      void runStream(openCalls, log, 'RouteChat', callSignal, endWithStatus(call), () => call.end(), () =>
        guide.routeChat(
          validated(call, callSignal, routeNoteSchema, 'note'),
          (note) => send(call, callSignal, note),
          callSignal,
        ),
      );
    },
  };
}
