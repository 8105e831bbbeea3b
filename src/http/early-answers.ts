import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';

/*
 * Errors the server answers before connect-node sees a call, in each protocol's own form, so that
 * the client reads the code and message as it would from a handler.
 */

export type NodeRequest = IncomingMessage | Http2ServerRequest;
export type NodeResponse = ServerResponse | Http2ServerResponse;

/** Connect's name of a code in its error JSON. */
export type ConnectCodeName = 'unimplemented' | 'unavailable' | 'resource_exhausted';
const GRPC_CODES: Record<ConnectCodeName, number> = { unimplemented: 12, unavailable: 14, resource_exhausted: 8 };
const HTTP_STATUSES: Record<ConnectCodeName, number> = { unimplemented: 501, unavailable: 503, resource_exhausted: 429 };

/** A Connect streaming message: one flags byte, a 4-byte big-endian length, the bytes. */
function envelope(flags: number, data: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header[0] = flags;
  header.writeUInt32BE(data.length, 1);
  return Buffer.concat([header, data]);
}

/** Flag of Connect's end-of-stream message. */
const END_STREAM_FLAG = 0b10;

/**
 * Ends the call with `code` and `message`: gRPC and gRPC-Web as a trailers-only response, a Connect
 * stream as its end-of-stream message, a Connect unary call as its error JSON.
 */
export function answerError(request: NodeRequest, response: NodeResponse, code: ConnectCodeName, message: string): void {
  const contentType = request.headers['content-type'] ?? '';
  const headers: Record<string, string> = {};
  // HTTP/2 forbids connection headers; over HTTP/1.1 the unread body would otherwise hold the connection.
  if (request.httpVersionMajor === 1) headers.connection = 'close';
  if (contentType.startsWith('application/grpc')) {
    response.writeHead(200, { ...headers, 'content-type': contentType, 'grpc-status': String(GRPC_CODES[code]), 'grpc-message': encodeURIComponent(message) });
    response.end();
  } else if (contentType.startsWith('application/connect+')) {
    const end = Buffer.from(JSON.stringify({ error: { code, message } }));
    response.writeHead(200, { ...headers, 'content-type': contentType });
    response.end(envelope(END_STREAM_FLAG, end));
  } else {
    response.writeHead(HTTP_STATUSES[code], { ...headers, 'content-type': 'application/json' });
    response.end(JSON.stringify({ code, message }));
  }
}
