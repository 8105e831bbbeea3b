import { status } from '@grpc/grpc-js';
import type { GrpcStatus } from './errors.js';

/** Ends one open call with the given status. */
export type EndCall = (status: GrpcStatus) => void;

/**
 * The streaming calls in flight, so that shutdown can end each one itself with UNAVAILABLE
 * once the grace period is over (grpc-js's forceShutdown alone would give clients CANCELLED).
 */
export class OpenCalls {
  private readonly calls = new Set<EndCall>();

  get size(): number {
    return this.calls.size;
  }

  /** Registers a call; the returned function unregisters it when the call finishes. */
  add(end: EndCall): () => void {
    this.calls.add(end);
    return () => this.calls.delete(end);
  }

  /** Ends every open call with UNAVAILABLE. */
  endAll(details = 'server is shutting down'): void {
    for (const end of [...this.calls]) end({ code: status.UNAVAILABLE, details });
    this.calls.clear();
  }
}
