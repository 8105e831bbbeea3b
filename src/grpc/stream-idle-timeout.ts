import { Metadata, status, type ServerInterceptingCallInterface, type ServerInterceptor } from '@grpc/grpc-js';
import { ForwardingCall } from './forwarding-call.js';
import { passThrough } from './pass-through.js';

/**
 * One streaming call under the idle timer: a layer over the next call (forwarding-call.ts) that
 * notes each step of progress and stops the timer when the call ends.
 */
class IdleTimedCall extends ForwardingCall {
  private lastProgress = Date.now();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    next: ServerInterceptingCallInterface,
    private readonly idleMs: number,
  ) {
    super(next);
    this.timer = setTimeout(this.check, idleMs);
  }

  private readonly check = (): void => {
    const idle = Date.now() - this.lastProgress;
    if (idle < this.idleMs) {
      this.timer = setTimeout(this.check, this.idleMs - idle);
      return;
    }
    this.timer = undefined;
    // Straight to the call below, as the end of a call this layer did not send.
    this.next.sendStatus({
      code: status.DEADLINE_EXCEEDED,
      details: `stream made no progress for ${this.idleMs / 1000} s; the server ends idle streams`,
      metadata: new Metadata(),
    });
  };

  private stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  override onReceiveMessage(message: unknown): void {
    this.lastProgress = Date.now();
    super.onReceiveMessage(message);
  }
  override onReceiveHalfClose(): void {
    this.lastProgress = Date.now();
    super.onReceiveHalfClose();
  }
  override onCancel(): void {
    this.stop();
    super.onCancel();
  }
  override sendMessage(message: unknown, callback: () => void): void {
    // Handed over, not yet written; a client that stops reading stops this through backpressure.
    this.lastProgress = Date.now();
    super.sendMessage(message, callback);
  }
  override sendStatus(outgoing: Parameters<ServerInterceptingCallInterface['sendStatus']>[0]): void {
    this.stop();
    super.sendStatus(outgoing);
  }
}

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
    return passThrough(new IdleTimedCall(call, idleMs));
  };
}
