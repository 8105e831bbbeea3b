import { Metadata, ServerInterceptingCall, status, type ServerInterceptor } from '@grpc/grpc-js';
import { passThrough } from './pass-through.js';

/**
 * A server interceptor that ends a streaming call which made no progress for `idleMs`: no
 * message received, no message sent (the handler waits on backpressure when the client stops
 * reading), no half-close. A client that neither sends
 * nor reads cannot hold a stream (and its handler) open forever. The call ends with
 * DEADLINE_EXCEEDED; its handler sees the call cancelled and stops. `idleMs` must be positive. Unary calls, and services that
 * `applies` rejects (health Watch streams are idle by design), are left alone.
 */
export function streamIdleTimeout(idleMs: number, applies: (path: string) => boolean): ServerInterceptor {
  return (descriptor, call) => {
    const streaming = descriptor.requestStream || descriptor.responseStream;
    if (!streaming || !applies(descriptor.path)) return passThrough(call);
    let lastProgress = Date.now();
    let timer: NodeJS.Timeout | undefined;
    const progress = (): void => {
      lastProgress = Date.now();
    };
    const check = (): void => {
      const idle = Date.now() - lastProgress;
      if (idle < idleMs) {
        timer = setTimeout(check, idleMs - idle);
        return;
      }
      timer = undefined;
      call.sendStatus({
        code: status.DEADLINE_EXCEEDED,
        details: `stream made no progress for ${idleMs / 1000} s; the server ends idle streams`,
        metadata: new Metadata(),
      });
    };
    const stop = (): void => {
      if (timer) clearTimeout(timer);
      timer = undefined;
    };
    timer = setTimeout(check, idleMs);
    return new ServerInterceptingCall(call, {
      start(next) {
        next({
          onReceiveMessage(message, nextMessage) {
            progress();
            nextMessage(message);
          },
          onReceiveHalfClose(nextHalfClose) {
            progress();
            nextHalfClose();
          },
          onCancel: stop,
        });
      },
      sendMessage(message, next) {
        // Handed over, not yet written; a client that stops reading stops this through backpressure.
        progress();
        next(message);
      },
      sendStatus(outgoing, next) {
        stop();
        next(outgoing);
      },
    });
  };
}
