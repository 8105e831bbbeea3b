import { createContextKey, createContextValues, type ContextValues } from '@connectrpc/connect';
import type { IncomingMessage } from 'node:http';
import type { Http2ServerRequest } from 'node:http2';

/** What the handlers and the call observer learn of the HTTP request beneath a call. */
export interface HttpCallFacts {
  /** `127.0.0.1:45290`, as grpc-js reports a peer. */
  readonly peer: string;
  /** 1 for HTTP/1.x, 2 for HTTP/2: client and bidi streams need HTTP/2. */
  readonly httpMajor: number;
}

export const httpCallFacts = createContextKey<HttpCallFacts>({ peer: 'unknown', httpMajor: 1 }, { description: 'the HTTP request beneath a call' });

/** The context values connect-node attaches to each call. */
export function contextValuesOf(request: IncomingMessage | Http2ServerRequest): ContextValues {
  const { remoteAddress, remotePort } = request.socket;
  const peer = remoteAddress === undefined ? 'unknown' : remoteAddress.includes(':') ? `[${remoteAddress}]:${remotePort}` : `${remoteAddress}:${remotePort}`;
  return createContextValues().set(httpCallFacts, { peer, httpMajor: request.httpVersionMajor });
}

/** The RPC protocol of a call, from its Content-Type: `grpc`, `grpc-web`, or `connect` (also a GET). */
export function protocolOf(contentType: string | null): 'grpc' | 'grpc-web' | 'connect' {
  if (contentType?.startsWith('application/grpc-web')) return 'grpc-web';
  if (contentType?.startsWith('application/grpc')) return 'grpc';
  return 'connect';
}
