import { ConnectError, type Interceptor } from '@connectrpc/connect';
import { AccessRefusal, type Access, type CallPassage } from '../access/access.js';
import { httpCallFacts } from './call-context.js';
import { connectError } from './status.js';

/**
 * A refusal as Connect sends it: its code (a Connect unary call: 401, 403 or 429; a stream or
 * gRPC-Web: in the end-of-stream message or trailers), with `retry-after` for a rate.
 */
function refusalError(refusal: AccessRefusal): ConnectError {
  const error = connectError(refusal.code as Parameters<typeof connectError>[0], refusal.message);
  const seconds = refusal.retryAfterSeconds;
  if (seconds !== undefined) error.metadata.set('retry-after', String(seconds));
  return error;
}

/** The notes of a client stream, up to the first the write rate refuses: that refusal ends the reading. */
async function* meteredNotes<T>(notes: AsyncIterable<T>, passage: CallPassage, overRate: (refusal: AccessRefusal) => void): AsyncGenerator<T> {
  for await (const note of notes) {
    const refusal = passage.note();
    if (refusal) {
      overRate(refusal);
      return;
    }
    yield note;
  }
}

/**
 * A Connect interceptor that applies the access rules (src/access) to every call on the HTTP port,
 * as src/grpc/access-control.ts does on the gRPC port: the caller (identified with the call's
 * context values, call-context.ts) must hold the call's scope; a stream takes one of the caller's
 * stream slots until it ends; every note spends the caller's write rate. A RouteChat stream over its
 * rate stops reading there, answers the notes before it, and ends with RESOURCE_EXHAUSTED.
 * RecordRoute and RouteChat over HTTP/1.1 pass untouched, so that they answer UNIMPLEMENTED first.
 */
export function accessControl(access: Access): Interceptor {
  return (next) => async (request) => {
    const facts = request.contextValues.get(httpCallFacts);
    const kind = request.method.methodKind;
    const clientStreams = kind === 'client_streaming' || kind === 'bidi_streaming';
    if ((clientStreams && facts.httpMajor < 2) || facts.caller === undefined) return next(request);
    const passage = access.begin(`/${request.service.typeName}/${request.method.name}`, facts.caller, kind !== 'unary');
    if (passage === undefined) return next(request);
    if (passage instanceof AccessRefusal) throw refusalError(passage);
    // The call is over (answered, failed, cancelled, past its deadline) when its signal fires.
    if (request.signal.aborted) passage.end();
    else request.signal.addEventListener('abort', () => passage.end(), { once: true });
    if (!passage.countsNotes) return next(request);
    if (!request.stream) {
      const refusal = passage.note();
      if (refusal) throw refusalError(refusal);
      return next(request);
    }
    let overRate: AccessRefusal | undefined;
    const response = await next({ ...request, message: meteredNotes(request.message, passage, (refusal) => (overRate = refusal)) });
    if (!response.stream) return response;
    const replies = response.message;
    return {
      ...response,
      message: (async function* answered() {
        yield* replies;
        if (overRate) throw refusalError(overRate);
      })(),
    };
  };
}
