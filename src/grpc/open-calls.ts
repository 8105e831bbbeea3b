import { status } from '@grpc/grpc-js';
import type { GrpcStatus } from './status.js';

/** Ends one open call with the given status. */
export type EndCall = (status: GrpcStatus) => void;

/**
 * The streaming calls in flight, so that shutdown can end each one itself with UNAVAILABLE
 * once the grace period is over (grpc-js's forceShutdown alone would give clients CANCELLED),
 * and then wait for their handlers to finish before storage closes.
 */
export class OpenCalls {
  /** Each open call, and whether it has been ended already. */
  private readonly calls = new Map<EndCall, boolean>();
  private emptyWaiters: (() => void)[] = [];

  get size(): number {
    return this.calls.size;
  }

  /** Registers a call; the returned function unregisters it when its handler has finished. */
  add(end: EndCall): () => void {
    this.calls.set(end, false);
    return () => {
      this.calls.delete(end);
      if (this.calls.size === 0) {
        for (const wake of this.emptyWaiters.splice(0)) wake();
      }
    };
  }

  /** Ends every open call with UNAVAILABLE. Their handlers stop at their next step and unregister. */
  endAll(details = 'server is shutting down'): void {
    for (const [end, ended] of [...this.calls]) {
      if (ended) continue;
      this.calls.set(end, true);
      end({ code: status.UNAVAILABLE, details });
    }
  }

  /** Resolves once no call is open, or after `timeoutMs`, whichever is first. */
  whenEmpty(timeoutMs: number): Promise<void> {
    if (this.calls.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      timer.unref();
      this.emptyWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
