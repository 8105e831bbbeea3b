import type { Metadata, ServerInterceptingCallInterface, ServerInterceptor } from '@grpc/grpc-js';
import { callerName } from './call-callers.js';
import { ForwardingCall } from './forwarding-call.js';
import { passThrough } from './pass-through.js';
import type { CallEnd, CallHooks, CallObserver, CallStart } from '../observability/call-observer.js';
import type { Code } from '../service/errors.js';
import { unfinishedCallEnd } from '../transport/unfinished-call.js';

function callType(requestStream: boolean, responseStream: boolean): CallStart['type'] {
  if (requestStream) return responseStream ? 'bidi_stream' : 'client_stream';
  return responseStream ? 'server_stream' : 'unary';
}

type MethodFacts = Pick<CallStart, 'path' | 'service' | 'method' | 'type'>;

/**
 * What a call's start says about its method, made once per method: this runs on every call, and
 * splitting the path each time cost more than the lookup.
 */
function methodFacts(cache: Map<string, MethodFacts>, path: string, requestStream: boolean, responseStream: boolean): MethodFacts {
  let facts = cache.get(path);
  if (facts === undefined) {
    const [, service = '', method = ''] = path.split('/');
    facts = { path, service, method, type: callType(requestStream, responseStream) };
    cache.set(path, facts);
  }
  return facts;
}

/**
 * A call's start, whose peer address is read only if an observer asks for it (the log line does,
 * once). A class, not an object literal with a getter: V8 builds such a literal slowly, as a large
 * object of its own shape, and a heap profile showed it among what each call keeps past a scavenge.
 */
class GrpcCallStart implements CallStart {
  readonly path: string;
  readonly service: string;
  readonly method: string;
  readonly type: CallStart['type'];
  readonly protocol = 'grpc';
  /** The call's metadata, once it has arrived: the access layer records the caller under it. */
  metadata: Metadata | undefined;
  private peerAddress: string | undefined;

  constructor(
    facts: MethodFacts,
    private readonly call: ServerInterceptingCallInterface,
  ) {
    this.path = facts.path;
    this.service = facts.service;
    this.method = facts.method;
    this.type = facts.type;
  }

  get peer(): string {
    return (this.peerAddress ??= this.call.getPeer());
  }

  get client(): string {
    return callerName(this.metadata);
  }
}

/**
 * One call as the observers see it: a layer over the next call (forwarding-call.ts) that counts
 * messages, sees the status go out and reports each to the call's hooks. The call's state lives in
 * its fields, so observing a call allocates this object and its CallEnd, and no closures.
 */
class ObservedCall extends ForwardingCall {
  private readonly startedAt = performance.now();
  private received = 0;
  private sent = 0;
  private ended = false;

  constructor(
    next: ServerInterceptingCallInterface,
    private readonly callStart: GrpcCallStart,
    private readonly hooks: readonly CallHooks[],
  ) {
    super(next);
  }

  /** Reports the status the server sends, or the one the call ended with, once. */
  private finish(code: Code, details: string): void {
    if (this.ended) return;
    this.ended = true;
    const end: CallEnd = { code, details, durationMs: performance.now() - this.startedAt, received: this.received, sent: this.sent };
    for (const hooks of this.hooks) hooks.end(this.callStart, end);
  }

  override onReceiveMetadata(metadata: Metadata): void {
    this.callStart.metadata = metadata;
    super.onReceiveMetadata(metadata);
  }
  override onReceiveMessage(message: unknown): void {
    this.received++;
    for (const hooks of this.hooks) hooks.received?.();
    super.onReceiveMessage(message);
  }
  /** The call ended without a status from the server (grpc-js also reports this after a normal end). */
  override onCancel(): void {
    if (!this.ended) {
      const deadline = this.next.getDeadline();
      const expired = deadline instanceof Date ? deadline.getTime() <= Date.now() : deadline <= Date.now();
      const { code, details } = unfinishedCallEnd(expired);
      this.finish(code, details);
    }
    super.onCancel();
  }
  override sendMessage(message: unknown, callback: () => void): void {
    this.sent++;
    for (const hooks of this.hooks) hooks.sent?.();
    super.sendMessage(message, callback);
  }
  override sendStatus(outgoing: Parameters<ServerInterceptingCallInterface['sendStatus']>[0]): void {
    // The service's codes are gRPC's numbers.
    this.finish(outgoing.code as number as Code, outgoing.details ?? '');
    super.sendStatus(outgoing);
  }
}

/**
 * A server interceptor that reports every call's start, messages and end to the observers
 * (logging, metrics). A status the server sends is seen on its way out; a call that ends without
 * one (the client cancelled, or grpc-js enforced the deadline) is reported as CANCELLED or
 * DEADLINE_EXCEEDED.
 */
export function observeCalls(observers: readonly CallObserver[]): ServerInterceptor {
  const methods = new Map<string, MethodFacts>();
  return (descriptor, call: ServerInterceptingCallInterface) => {
    const start = new GrpcCallStart(methodFacts(methods, descriptor.path, descriptor.requestStream, descriptor.responseStream), call);
    const hooks: CallHooks[] = [];
    for (const observe of observers) {
      const h = observe(start);
      if (h !== undefined) hooks.push(h);
    }
    return passThrough(hooks.length === 0 ? call : new ObservedCall(call, start, hooks));
  };
}
