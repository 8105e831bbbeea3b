import type {
  ServerDuplexStream,
  ServerReadableStream,
  ServerUnaryCall,
  ServerWritableStream,
  sendUnaryData,
} from '@grpc/grpc-js';
import type { Feature, Point, Rectangle, RouteNote, RouteSummary } from '../gen/route_guide.js';
import type { RouteGuideServer } from '../gen/route_guide.js';
import { toGrpcStatus, type GrpcStatus } from './errors.js';
import type { Logger } from './logger.js';
import type { OpenCalls } from './open-calls.js';
import type { RouteGuide } from './route-guide.js';
import { pointSchema, rectangleSchema, routeNoteSchema, validate } from './validation.js';
import type { z } from 'zod';

/** Writes between event-loop yields, so one huge stream never starves other calls. */
const WRITES_PER_YIELD = 256;

type WritableCall<T> = ServerWritableStream<unknown, T> | ServerDuplexStream<unknown, T>;

/** Thrown inside a handler when its call was cancelled (by the client or the deadline) or ended by shutdown. */
class CallCancelled extends Error {}

/** Calls already given a final status by shutdown: their handlers stop at the next message. */
const endedCalls = new WeakSet<object>();

function isOver(call: { cancelled: boolean }): boolean {
  return call.cancelled || endedCalls.has(call);
}

/**
 * Writes one message, honouring backpressure: when grpc-js's buffer is full, waits for 'drain'
 * (or cancellation, after which a queued write would never complete).
 */
async function send<T>(call: WritableCall<T>, message: T): Promise<void> {
  if (isOver(call)) throw new CallCancelled();
  if (call.write(message)) return;
  await drainedOrCancelled(call);
  if (isOver(call)) throw new CallCancelled();
}

/** The call's deadline in epoch milliseconds, or Infinity when the client set none. */
function deadlineOf(call: WritableCall<unknown>): number {
  const deadline = call.getDeadline();
  return deadline instanceof Date ? deadline.getTime() : Number(deadline);
}

/**
 * Resolves on 'drain', 'cancelled' or the call's deadline, removing its listeners either way: a long
 * stream waits for 'drain' every 16 messages, and a listener left behind each time would grow with the
 * stream. The deadline is checked here because grpc-js cannot deliver DEADLINE_EXCEEDED to a client
 * that has stopped reading (its trailers queue behind the unsent messages), so it never emits
 * 'cancelled' and the handler would wait for as long as the client stalls.
 */
function drainedOrCancelled(call: WritableCall<unknown>): Promise<void> {
  if (call.cancelled) return Promise.resolve();
  return new Promise((resolve) => {
    const deadline = deadlineOf(call);
    const timer = Number.isFinite(deadline)
      ? setTimeout(() => {
          endedCalls.add(call);
          done();
        }, Math.max(0, deadline - Date.now()))
      : undefined;
    const done = (): void => {
      clearTimeout(timer);
      call.off('drain', done);
      call.off('cancelled', done);
      resolve();
    };
    call.on('drain', done);
    call.on('cancelled', done);
  });
}

/** Yields each request of a client stream after validating it; the first bad one throws. */
async function* validated<T>(
  call: ServerReadableStream<unknown, unknown> | ServerDuplexStream<unknown, unknown>,
  schema: z.ZodType<T>,
  field: string,
): AsyncGenerator<T> {
  let position = 0;
  try {
    // destroyOnReturn: false, because the default destroys the whole duplex when reading ends,
    // dropping the replies still queued and the final status.
    for await (const message of call.iterator({ destroyOnReturn: false })) {
      if (isOver(call)) throw new CallCancelled();
      yield validate(schema, message, `${field}[${position++}]`);
    }
  } catch (error) {
    // grpc-js destroys the request stream on cancel; that is an end, not a failure.
    if (isOver(call)) throw new CallCancelled();
    throw error;
  }
}

/** Ends a streaming call with the status an error maps to (OK if the call was cancelled). */
function finishStream(call: WritableCall<unknown>, error: unknown, log: Logger, method: string): void {
  if (error instanceof CallCancelled || isOver(call)) return;
  endStream(call, toGrpcStatus(error, log, method));
}

/** Sends a final non-OK status on a streaming response. */
function endStream(call: WritableCall<unknown>, { code, details }: GrpcStatus): void {
  endedCalls.add(call);
  call.emit('error', { code, details });
}

/** Keeps `call` in `openCalls` until `work` settles, so shutdown can end it. */
function tracked<T>(openCalls: OpenCalls, end: (status: GrpcStatus) => void, work: () => Promise<T>): Promise<T> {
  const remove = openCalls.add(end);
  return work().finally(remove);
}

/**
 * Adapts the RouteGuide logic to grpc-js. Every handler settles through one path, so a rejected
 * promise can never become an unhandled rejection, and every error maps to a status in one place.
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
      const run = async (): Promise<void> => {
        const features = guide.listFeatures(validate(rectangleSchema, call.request));
        let sinceYield = 0;
        for (const feature of features) {
          if (isOver(call)) throw new CallCancelled();
          // Await only when grpc-js's buffer is full: an await per message cost a microtask turn each.
          if (!call.write(feature)) {
            await drainedOrCancelled(call);
            if (isOver(call)) throw new CallCancelled();
          }
          if (++sinceYield >= WRITES_PER_YIELD) {
            sinceYield = 0;
            await new Promise<void>((resolve) => setImmediate(resolve));
          }
        }
      };
      tracked(openCalls, (status) => endStream(call, status), run).then(
        () => {
          if (!isOver(call)) call.end();
        },
        (error) => finishStream(call, error, log, 'ListFeatures'),
      );
    },

    recordRoute(call: ServerReadableStream<Point, RouteSummary>, callback: sendUnaryData<RouteSummary>) {
      const end = (status: GrpcStatus): void => {
        endedCalls.add(call);
        callback(status);
      };
      tracked(openCalls, end, () => guide.recordRoute(validated(call, pointSchema, 'point'))).then(
        (summary) => {
          if (!isOver(call)) callback(null, summary);
        },
        (error) => {
          if (error instanceof CallCancelled || isOver(call)) return;
          callback(toGrpcStatus(error, log, 'RecordRoute'));
        },
      );
    },

    routeChat(call: ServerDuplexStream<RouteNote, RouteNote>) {
      tracked(openCalls, (status) => endStream(call, status), () =>
        guide.routeChat(validated(call, routeNoteSchema, 'note'), (note) => send(call, note)),
      ).then(
        () => {
          if (!isOver(call)) call.end();
        },
        (error) => finishStream(call, error, log, 'RouteChat'),
      );
    },
  };
}
