import {
  ServerInterceptingCall,
  status,
  type ServerInterceptingCallInterface,
  type ServerInterceptor,
} from '@grpc/grpc-js';
import type { CallEnd, CallHooks, CallObserver, CallStart } from '../observability/call-observer.js';
import type { Code } from '../service/errors.js';

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
      protocol: 'grpc',
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
      // The service's codes are gRPC's numbers.
      const end: CallEnd = { code: code as number as Code, details, durationMs: performance.now() - startedAt, received, sent };
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
