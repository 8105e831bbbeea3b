import type { Deadline } from '@grpc/grpc-js';

/** What this needs of a grpc-js server call; every call kind has it. */
interface ServerSurfaceCall {
  readonly cancelled: boolean;
  getDeadline(): Deadline;
  once(event: 'cancelled', listener: () => void): unknown;
}

/**
 * One call's AbortSignal, which the RouteGuide logic sees: it fires when grpc-js cancels the call
 * (the client cancelled, or grpc-js enforced the deadline), or when the server ends the call itself
 * (a deadline noticed while waiting on a stalled client, or shutdown).
 */
export interface CallSignal {
  readonly signal: AbortSignal;
  /** Marks the call over; the handler stops at its next step and sends nothing more. */
  abort(): void;
}

/**
 * The reason every gRPC call's signal is aborted with: the logic reads only `aborted`. Without
 * one, abort() builds a DOMException, stack trace and all, for every streaming call, since
 * grpc-js reports even a normal end as 'cancelled' (a profile of ListFeatures showed it).
 */
const CALL_OVER = new Error('the call is over');

export function createCallSignal(call: ServerSurfaceCall): CallSignal {
  const controller = new AbortController();
  const abort = (): void => controller.abort(CALL_OVER);
  if (call.cancelled) abort();
  // grpc-js also emits 'cancelled' after a normal end; by then the handler is done, so it is harmless.
  else call.once('cancelled', abort);
  return { signal: controller.signal, abort };
}

/** The call's deadline in epoch milliseconds, or Infinity when the client set none. */
export function deadlineOf(call: ServerSurfaceCall): number {
  const deadline = call.getDeadline();
  return deadline instanceof Date ? deadline.getTime() : Number(deadline);
}
