import { fromBinary } from '@bufbuild/protobuf';
import { createContextKey, type Interceptor } from '@connectrpc/connect';
import { compressionBrotli, compressionGzip } from '@connectrpc/connect-node';
import { createAsyncIterable, type UniversalHandler, type UniversalServerRequest } from '@connectrpc/connect/protocol';
import { Code } from '../service/errors.js';
import { malformedMessage, type MalformedRequest } from '../service/malformed-request.js';
import { connectError } from './status.js';

/*
 * connect-es parses a call's binary request before any interceptor or handler sees it, and answers
 * bytes it cannot parse with its own INTERNAL ("parse binary: ..."), where the gRPC port answers
 * INVALID_ARGUMENT naming the message type (src/grpc/request-decoding.ts). To answer alike, the
 * binary body of a call with one request message (unary, server stream; Connect, gRPC-Web, gRPC) is
 * parsed here first, with the same parser and message schema. Bytes that do not parse are not handed
 * on: the library gets an empty message in the same framing instead, and `refuseMalformedRequests`
 * ends the call with INVALID_ARGUMENT before the handler runs, through the library's own error path,
 * so each protocol gets its own error form and the call is logged and counted like any other.
 * Streams of requests are checked as they are read (`validatedRequests` in call-streaming.ts).
 */

const malformedRequest = createContextKey<MalformedRequest | undefined>(undefined);

/** What connect-node accepts (its default), to read a compressed request as it would. */
const COMPRESSIONS = [compressionGzip, compressionBrotli];

/** Binary bodies: Connect unary (one bare message) and the enveloped ones (Connect streams, gRPC-Web, gRPC). */
const BINARY_CONTENT_TYPE = /^application\/(proto|connect\+proto|grpc-web(?:\+proto)?|grpc(?:\+proto)?)\s*(?:;|$)/i;

/** The header naming the compression of each framing's body or messages. */
function encodingHeader(contentType: string): string {
  if (contentType === 'proto') return 'content-encoding';
  return contentType === 'connect+proto' ? 'connect-content-encoding' : 'grpc-encoding';
}

/** The body's bytes, up to `limit`: `complete` is false when there was more, which `replay` still yields. */
async function readBody(body: AsyncIterable<Uint8Array>, limit: number): Promise<{ bytes: Uint8Array; complete: boolean; replay: AsyncIterable<Uint8Array> }> {
  const iterator = body[Symbol.asyncIterator]();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let failure: { error: unknown } | undefined;
  let complete = false;
  try {
    while (size <= limit) {
      const next = await iterator.next();
      if (next.done === true) {
        complete = true;
        break;
      }
      chunks.push(next.value);
      size += next.value.byteLength;
    }
  } catch (error) {
    // The library reads the same failure from the replay, and answers it as it always has.
    failure = { error };
  }
  const replay = (async function* replayed(): AsyncGenerator<Uint8Array> {
    yield* chunks;
    if (failure) throw failure.error;
    if (complete) return;
    for (let next = await iterator.next(); next.done !== true; next = await iterator.next()) yield next.value;
  })();
  return { bytes: Buffer.concat(chunks), complete: complete && failure === undefined, replay };
}

/**
 * The one message in `bytes`, decompressed, or undefined where the library would refuse the body for
 * another reason (no message or several, a bad envelope, an unknown compression) and answers it itself.
 */
async function singleMessage(bytes: Uint8Array, enveloped: boolean, encoding: string | null, readMaxBytes: number): Promise<Uint8Array | undefined> {
  let data = bytes;
  let compressed = !enveloped && encoding !== null && encoding !== 'identity';
  if (enveloped) {
    if (bytes.byteLength < 5) return undefined;
    const flags = bytes[0]!;
    const length = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).readUInt32BE(1);
    if ((flags & ~1) !== 0 || 5 + length !== bytes.byteLength) return undefined;
    data = bytes.subarray(5);
    compressed = (flags & 1) === 1;
  }
  if (!compressed) return data;
  const compression = COMPRESSIONS.find(({ name }) => name === encoding);
  if (compression === undefined) return undefined;
  // A body that does not decompress is left to the library, which decompresses it again and answers that.
  return compression.decompress(data, readMaxBytes).catch(() => undefined);
}

/**
 * Wraps a router's handler so that a binary request of a call with one request message that does
 * not parse reaches `refuseMalformedRequests` instead of the library's parser.
 */
function checkBinaryRequest(handler: UniversalHandler, readMaxBytes: number): UniversalHandler {
  const { method } = handler;
  if (method.methodKind !== 'unary' && method.methodKind !== 'server_streaming') return handler;
  const checked = async (request: UniversalServerRequest) => {
    const contentType = BINARY_CONTENT_TYPE.exec(request.header.get('content-type') ?? '')?.[1]?.toLowerCase();
    const { body, contextValues } = request;
    if (contentType === undefined || contextValues === undefined || typeof body !== 'object' || body === null || !(Symbol.asyncIterator in body)) {
      return handler(request);
    }
    const enveloped = contentType !== 'proto';
    // An enveloped message may be readMaxBytes long, plus its 5-byte envelope.
    const read = await readBody(body as AsyncIterable<Uint8Array>, readMaxBytes + (enveloped ? 5 : 0));
    const message = read.complete ? await singleMessage(read.bytes, enveloped, request.header.get(encodingHeader(contentType)), readMaxBytes) : undefined;
    if (message !== undefined) {
      try {
        fromBinary(method.input, message);
      } catch {
        // Not handed on: an empty message in the same framing takes its place, and the call is refused.
        contextValues.set(malformedRequest, malformedMessage(method.input.typeName));
        const empty = new Uint8Array(enveloped ? 5 : 0);
        const header = new Headers(request.header);
        header.set('content-length', String(empty.byteLength));
        header.delete('content-encoding');
        return handler({ ...request, header, body: createAsyncIterable([empty]) });
      }
    }
    return handler({ ...request, body: read.replay });
  };
  return Object.assign(checked, handler);
}

/** Has every handler of the router check binary requests (see above), in place, before the adapter reads them. */
export function checkBinaryRequests(handlers: UniversalHandler[], readMaxBytes: number): void {
  handlers.splice(0, handlers.length, ...handlers.map((handler) => checkBinaryRequest(handler, readMaxBytes)));
}

/** Ends a call whose request did not parse with INVALID_ARGUMENT naming the message type, as over gRPC. */
export function refuseMalformedRequests(): Interceptor {
  return (next) => async (request) => {
    const malformed = request.contextValues.get(malformedRequest);
    if (malformed !== undefined) throw connectError(Code.INVALID_ARGUMENT, `request: ${malformed.problem}`);
    return next(request);
  };
}
