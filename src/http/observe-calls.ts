import { Code as ConnectCode, ConnectError, type Interceptor } from '@connectrpc/connect';
import type { CallEnd, CallHooks, CallObserver, CallStart } from '../observability/call-observer.js';
import { Code } from '../service/errors.js';
import { unfinishedCallEnd } from '../transport/unfinished-call.js';
import { httpCallFacts, protocolOf } from './call-context.js';
import { serviceCodeOf } from './status.js';

const CALL_TYPES = {
  unary: 'unary',
  server_streaming: 'server_stream',
  client_streaming: 'client_stream',
  bidi_streaming: 'bidi_stream',
} as const;

/**
 * Reports a call the server answered itself, before connect-node saw it (RouteChat over HTTP/1.1, a
 * call during shutdown), so that it is logged and counted like any other.
 */
export function observeEarlyAnswer(
  observers: readonly CallObserver[],
  call: Pick<CallStart, 'path' | 'peer' | 'protocol' | 'client'>,
  code: Code,
  details: string,
): void {
  const [, service = '', method = ''] = call.path.split('/');
  const start: CallStart = { ...call, service, method, type: 'unary' };
  for (const observe of observers) observe(start)?.end(start, { code, details, durationMs: 0, received: 0, sent: 0 });
}

/**
 * A Connect interceptor that reports every call's start, messages and end to the observers (call
 * logs, metrics), as src/grpc/observe-calls.ts does for grpc-js, with the call's protocol. A stream
 * the client leaves early is reported as CANCELLED, or DEADLINE_EXCEEDED once its deadline passed.
 */
export function observeConnectCalls(observers: readonly CallObserver[]): Interceptor {
  return (next) => async (request) => {
    const service = request.service.typeName;
    const method = request.method.name;
    const facts = request.contextValues.get(httpCallFacts);
    const start: CallStart = {
      path: `/${service}/${method}`,
      service,
      method,
      type: CALL_TYPES[request.method.methodKind],
      peer: facts.peer,
      client: facts.client,
      protocol: protocolOf(request.header.get('content-type')),
    };
    const hooks = observers.map((observe) => observe(start)).filter((h): h is CallHooks => h !== undefined);
    if (hooks.length === 0) return next(request);
    const startedAt = performance.now();
    let received = 0;
    let sent = 0;
    let ended = false;
    const finish = (code: Code, details: string): void => {
      if (ended) return;
      ended = true;
      const end: CallEnd = { code, details, durationMs: performance.now() - startedAt, received, sent };
      for (const h of hooks) h.end(start, end);
    };
    const fail = (error: unknown): never => {
      const connectError = ConnectError.from(error);
      finish(serviceCodeOf(connectError.code), connectError.rawMessage);
      throw error;
    };
    const count = <T>(messages: AsyncIterable<T>, tally: () => void): AsyncIterable<T> =>
      (async function* counted() {
        for await (const message of messages) {
          tally();
          yield message;
        }
      })();
    const onReceived = (): void => {
      received++;
      for (const h of hooks) h.received?.();
    };
    const onSent = (): void => {
      sent++;
      for (const h of hooks) h.sent?.();
    };
    if (!request.stream) onReceived();
    const response = await next(request.stream ? { ...request, message: count(request.message, onReceived) } : request).catch(fail);
    if (!response.stream) {
      onSent();
      finish(Code.OK, '');
      return response;
    }
    const messages = response.message;
    return {
      ...response,
      message: (async function* observed() {
        try {
          for await (const message of messages) {
            onSent();
            yield message;
          }
          finish(Code.OK, '');
        } catch (error) {
          fail(error);
        } finally {
          // The client went away before the end.
          if (!ended) {
            const reason = request.signal.reason;
            const { code, details } = unfinishedCallEnd(reason instanceof ConnectError && reason.code === ConnectCode.DeadlineExceeded);
            finish(code, details);
          }
        }
      })(),
    };
  };
}
