import {
  ServerInterceptingCall,
  status,
  type ServerInterceptingCallInterface,
  type ServerInterceptor,
} from '@grpc/grpc-js';

/** What is known about a call when it starts. */
export interface CallStart {
  /** The full path, e.g. `/routeguide.RouteGuide/GetFeature`. */
  readonly path: string;
  /** e.g. `routeguide.RouteGuide`. */
  readonly service: string;
  /** e.g. `GetFeature`. */
  readonly method: string;
  readonly type: 'unary' | 'client_stream' | 'server_stream' | 'bidi_stream';
  readonly peer: string;
}

/** How a call ended, as the client saw it. */
export interface CallEnd {
  readonly code: status;
  readonly details: string;
  readonly durationMs: number;
  readonly received: number;
  readonly sent: number;
}

/** Hooks one observer keeps for one call. */
export interface CallHooks {
  received?(): void;
  sent?(): void;
  end(start: CallStart, end: CallEnd): void;
}

/** Called as each call starts; returns that call's hooks, or nothing to ignore the call. */
export type CallObserver = (start: CallStart) => CallHooks | undefined;

function callType(requestStream: boolean, responseStream: boolean): CallStart['type'] {
  if (requestStream) return responseStream ? 'bidi_stream' : 'client_stream';
  return responseStream ? 'server_stream' : 'unary';
}

/**
 * A server interceptor that reports every call's start, messages and end to the observers
 * (logging, metrics). A status the server sends is seen on its way out; a call that ends without
 * one (the client cancelled, or grpc-js enforced the deadline) is reported as CANCELLED or
 * DEADLINE_EXCEEDED.
 */
export function observeCalls(observers: readonly CallObserver[]): ServerInterceptor {
  return (descriptor, call: ServerInterceptingCallInterface) => {
    const [, service = '', method = ''] = descriptor.path.split('/');
    const start: CallStart = {
      path: descriptor.path,
      service,
      method,
      type: callType(descriptor.requestStream, descriptor.responseStream),
      peer: call.getPeer(),
    };
    const hooks = observers.map((observe) => observe(start)).filter((h): h is CallHooks => h !== undefined);
    if (hooks.length === 0) return new ServerInterceptingCall(call);
    const startedAt = performance.now();
    let received = 0;
    let sent = 0;
    let ended = false;
    const finish = (code: status, details: string): void => {
      if (ended) return;
      ended = true;
      const end: CallEnd = { code, details, durationMs: performance.now() - startedAt, received, sent };
      for (const h of hooks) h.end(start, end);
    };
    return new ServerInterceptingCall(call, {
      start(next) {
        next({
          onReceiveMessage(message, nextMessage) {
            received++;
            for (const h of hooks) h.received?.();
            nextMessage(message);
          },
          onCancel() {
            // Also fires after a normal end, when finish has already run.
            const deadline = call.getDeadline();
            const expired = deadline instanceof Date ? deadline.getTime() <= Date.now() : deadline <= Date.now();
            finish(expired ? status.DEADLINE_EXCEEDED : status.CANCELLED, expired ? 'Deadline exceeded' : 'Cancelled');
          },
        });
      },
      sendMessage(message, next) {
        sent++;
        for (const h of hooks) h.sent?.();
        next(message);
      },
      sendStatus(outgoing, next) {
        finish(outgoing.code, outgoing.details ?? '');
        next(outgoing);
      },
    });
  };
}
