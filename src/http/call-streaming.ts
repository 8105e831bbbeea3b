import { Code as ConnectCode, ConnectError, type HandlerContext } from '@connectrpc/connect';
import type { z } from 'zod';
import { nextTurn } from '../common/event-loop.js';
import type { InFlight } from '../transport/in-flight.js';
import type { Logger } from '../observability/logger.js';
import { CallAborted, Code } from '../service/errors.js';
import { validate } from '../service/validation.js';
import { ITEMS_PER_YIELD } from '../transport/pacing.js';
import { SHUTTING_DOWN_MESSAGE } from '../transport/shutdown.js';
import { connectError, toConnectError } from './status.js';

/*
 * What every streaming handler over Connect shares: registration for shutdown, pacing, validated
 * client streams, and one path that maps a stream's failure to the error the client sees.
 */

/** The error an aborted call ends with: the library's reason (a deadline, shutdown) when it gave one. */
export function abortError(signal: AbortSignal): ConnectError {
  return signal.reason instanceof ConnectError ? signal.reason : new ConnectError('the call was cancelled', ConnectCode.Canceled);
}

function isAsync<T>(items: Iterable<T> | AsyncIterable<T>): items is AsyncIterable<T> {
  return Symbol.asyncIterator in items;
}

/**
 * A server stream's messages from `work`, registered in `streams` while it runs (as a watch, which
 * shutdown ends at once, when `watch` is set), yielding to the event loop every ITEMS_PER_YIELD
 * items, stopped at its next step once the call is aborted, with any failure mapped to a
 * ConnectError in one place. Backpressure is connect-node's: it pulls the next message only once
 * the last one is written. `work` gets the signal the logic should honour.
 */
export async function* streamCall<T>(
  streams: InFlight,
  log: Logger,
  method: string,
  context: HandlerContext,
  work: (signal: AbortSignal) => Iterable<T> | AsyncIterable<T>,
  { watch = false }: { readonly watch?: boolean } = {},
): AsyncGenerator<T> {
  // Shutdown ends a watch at once (`streams.endAll()`); other streams get the grace period.
  const ended = watch ? new AbortController() : undefined;
  const done = streams.add(ended && (() => ended.abort()));
  const signal = ended ? AbortSignal.any([context.signal, ended.signal]) : context.signal;
  try {
    const items = work(signal);
    let sinceYield = 0;
    if (isAsync(items)) {
      for await (const item of items) {
        if (signal.aborted) throw new CallAborted();
        yield item;
      }
    } else {
      for (const item of items) {
        if (signal.aborted) throw new CallAborted();
        yield item;
        if (++sinceYield >= ITEMS_PER_YIELD) {
          sinceYield = 0;
          await nextTurn();
        }
      }
    }
  } catch (error) {
    if (context.signal.aborted) throw abortError(context.signal);
    if (ended?.signal.aborted) throw connectError(Code.UNAVAILABLE, SHUTTING_DOWN_MESSAGE);
    throw toConnectError(error, log, method);
  } finally {
    done();
  }
}

/** Each request of a client stream after validating it, as `field[i]`; the first bad one throws. */
export async function* validatedRequests<T>(requests: AsyncIterable<unknown>, schema: z.ZodType<T>, field: string): AsyncGenerator<T> {
  let position = 0;
  for await (const message of requests) yield validate(schema, message, `${field}[${position++}]`);
}

/**
 * The validated requests as RecordRoute's logic takes them, in batches: each batch holds what had
 * arrived (connect-node hands requests over one at a time, so a batch holds one).
 */
export async function* validatedBatches<T>(requests: AsyncIterable<unknown>, schema: z.ZodType<T>, field: string): AsyncGenerator<readonly T[]> {
  for await (const request of validatedRequests(requests, schema, field)) yield [request];
}

/** Client and bidi streams need HTTP/2; over HTTP/1.1 they answer UNIMPLEMENTED, naming the gRPC port. */
export function unimplementedOverHttp1(method: string, grpcPort: number): ConnectError {
  return connectError(
    Code.UNIMPLEMENTED,
    `${method} streams requests, which needs HTTP/2 (this call came over HTTP/1.1); call it over gRPC on port ${grpcPort}, or over HTTPS with HTTP/2`,
  );
}
