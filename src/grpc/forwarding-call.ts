import type { Deadline, Metadata, ServerInterceptingCallInterface } from '@grpc/grpc-js';

/** What grpc-js hands an intercepting call's start: the listener of the layer above. */
export type CallListener = Parameters<ServerInterceptingCallInterface['start']>[0];

/**
 * A server interceptor's call layer that forwards everything unchanged: events from the call below
 * to the listener above, and sends from above to the call below. An interceptor extends it and
 * overrides only the events it watches, calling `super` to pass them on (the stream idle timeout
 * and the call observer, observe-calls.ts, do).
 *
 * It implements grpc-js's intercepting-call interface directly, because grpc-js's general
 * ServerInterceptingCall (responders, listener builders, pending-message bookkeeping for
 * asynchronous interceptors) cost every call about a fifth of the server's instructions
 * (callgrind, GetFeature), and every message of a stream more. Everything here is synchronous, so
 * the order of events is the next call's own.
 */
export class ForwardingCall implements ServerInterceptingCallInterface, CallListener {
  private listener: CallListener | undefined;

  constructor(protected readonly next: ServerInterceptingCallInterface) {}

  start(listener: CallListener): void {
    this.listener = listener;
    this.next.start(this);
  }
  onReceiveMetadata(metadata: Metadata): void {
    this.listener!.onReceiveMetadata(metadata);
  }
  onReceiveMessage(message: unknown): void {
    this.listener!.onReceiveMessage(message);
  }
  onReceiveHalfClose(): void {
    this.listener!.onReceiveHalfClose();
  }
  onCancel(): void {
    this.listener!.onCancel();
  }
  sendMetadata(metadata: Metadata): void {
    this.next.sendMetadata(metadata);
  }
  sendMessage(message: unknown, callback: () => void): void {
    this.next.sendMessage(message, callback);
  }
  sendStatus(outgoing: Parameters<ServerInterceptingCallInterface['sendStatus']>[0]): void {
    this.next.sendStatus(outgoing);
  }
  startRead(): void {
    this.next.startRead();
  }
  getPeer(): string {
    return this.next.getPeer();
  }
  getDeadline(): Deadline {
    return this.next.getDeadline();
  }
  getHost(): string {
    return this.next.getHost();
  }
  getAuthContext(): ReturnType<ServerInterceptingCallInterface['getAuthContext']> {
    return this.next.getAuthContext();
  }
  getConnectionInfo(): ReturnType<ServerInterceptingCallInterface['getConnectionInfo']> {
    return this.next.getConnectionInfo();
  }
  getMetricsRecorder(): ReturnType<ServerInterceptingCallInterface['getMetricsRecorder']> {
    return this.next.getMetricsRecorder();
  }
}
