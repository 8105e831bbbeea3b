import { status, type Deadline, type Metadata, type ServerInterceptingCallInterface, type ServerInterceptor } from '@grpc/grpc-js';
import { passThrough } from './pass-through.js';
import type { CallEnd, CallHooks, CallObserver, CallStart } from '../observability/call-observer.js';
import type { Code } from '../service/errors.js';

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

/** A call's start, whose peer address is read only if an observer asks for it (the log line does, once). */
function callStart(facts: MethodFacts, call: ServerInterceptingCallInterface): CallStart {
  let peer: string | undefined;
  return {
    path: facts.path,
    service: facts.service,
    method: facts.method,
    type: facts.type,
    protocol: 'grpc',
    get peer() {
      return (peer ??= call.getPeer());
    },
  };
}

type Listener = Parameters<ServerInterceptingCallInterface['start']>[0];

/** What one call's observation does as the call goes. */
interface Observation {
  received(): void;
  sent(): void;
  /** The status the server sends. */
  finish(code: status, details: string): void;
  /** The call ended without a status from the server (grpc-js also reports this after a normal end). */
  cancelled(): void;
}

/**
 * One call as the observers see it: a thin layer over the next call that counts messages and sees
 * the status go out. It implements grpc-js's intercepting-call interface directly, because
 * grpc-js's general ServerInterceptingCall (responders, listener builders, pending-message
 * bookkeeping for asynchronous interceptors) cost every call about a fifth of the server's
 * instructions (callgrind, GetFeature). Everything here is synchronous, so the order of events
 * is the next call's own.
 */
class ObservedCall implements ServerInterceptingCallInterface, Listener {
  private listener: Listener | undefined;

  constructor(
    private readonly next: ServerInterceptingCallInterface,
    private readonly observation: Observation,
  ) {}

  start(listener: Listener): void {
    this.listener = listener;
    this.next.start(this);
  }
  onReceiveMetadata(metadata: Metadata): void {
    this.listener!.onReceiveMetadata(metadata);
  }
  onReceiveMessage(message: unknown): void {
    this.observation.received();
    this.listener!.onReceiveMessage(message);
  }
  onReceiveHalfClose(): void {
    this.listener!.onReceiveHalfClose();
  }
  onCancel(): void {
    this.observation.cancelled();
    this.listener!.onCancel();
  }
  sendMetadata(metadata: Metadata): void {
    this.next.sendMetadata(metadata);
  }
  sendMessage(message: unknown, callback: () => void): void {
    this.observation.sent();
    this.next.sendMessage(message, callback);
  }
  sendStatus(outgoing: Parameters<ServerInterceptingCallInterface['sendStatus']>[0]): void {
    this.observation.finish(outgoing.code, outgoing.details ?? '');
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

/**
 * A server interceptor that reports every call's start, messages and end to the observers
 * (logging, metrics). A status the server sends is seen on its way out; a call that ends without
 * one (the client cancelled, or grpc-js enforced the deadline) is reported as CANCELLED or
 * DEADLINE_EXCEEDED.
 */
export function observeCalls(observers: readonly CallObserver[]): ServerInterceptor {
  const methods = new Map<string, MethodFacts>();
  return (descriptor, call: ServerInterceptingCallInterface) => {
    const start = callStart(methodFacts(methods, descriptor.path, descriptor.requestStream, descriptor.responseStream), call);
    const hooks: CallHooks[] = [];
    for (const observe of observers) {
      const h = observe(start);
      if (h !== undefined) hooks.push(h);
    }
    if (hooks.length === 0) return passThrough(call);
    const startedAt = performance.now();
    let received = 0;
    let sent = 0;
    let ended = false;
    const finish = (code: status, details: string): void => {
      if (ended) return;
      ended = true;
      // The service's codes are gRPC's numbers.
      const end: CallEnd = { code: code as number as Code, details, durationMs: performance.now() - startedAt, received, sent };
      for (const h of hooks) h.end(start, end);
    };
    return passThrough(
      new ObservedCall(call, {
        received() {
          received++;
          for (const h of hooks) h.received?.();
        },
        sent() {
          sent++;
          for (const h of hooks) h.sent?.();
        },
        finish,
        cancelled() {
          if (ended) return;
          const deadline = call.getDeadline();
          const expired = deadline instanceof Date ? deadline.getTime() <= Date.now() : deadline <= Date.now();
          finish(expired ? status.DEADLINE_EXCEEDED : status.CANCELLED, expired ? 'Deadline exceeded' : 'Cancelled');
        },
      }),
    );
  };
}
