import { createContextKey, createContextValues, type ContextValues } from '@connectrpc/connect';
import type { IncomingMessage } from 'node:http';
import type { Http2ServerRequest } from 'node:http2';
import type { TLSSocket } from 'node:tls';
import { commonNameOf, type Access, type Caller } from '../access/access.js';
import { ANONYMOUS } from '../access/auth-file.js';

/** What the handlers and the call observer learn of the HTTP request beneath a call. */
export interface HttpCallFacts {
  /** `127.0.0.1:45290`, as grpc-js reports a peer. */
  readonly peer: string;
  /** 1 for HTTP/1.x, 2 for HTTP/2: client and bidi streams need HTTP/2. */
  readonly httpMajor: number;
  /** Who is calling, when access rules apply. */
  readonly caller?: Caller;
  /** The caller's name for logs and metrics: `anonymous` without access rules. */
  readonly client: string;
}

export const httpCallFacts = createContextKey<HttpCallFacts>(
  { peer: 'unknown', httpMajor: 1, client: ANONYMOUS },
  { description: 'the HTTP request beneath a call' },
);

/** The verified client certificate's common name; undefined over plaintext, or with no certificate. */
function certificateName(request: IncomingMessage | Http2ServerRequest): string | undefined {
  const socket = request.socket as Partial<TLSSocket>;
  if (socket.authorized !== true || typeof socket.getPeerCertificate !== 'function') return undefined;
  return commonNameOf(socket.getPeerCertificate());
}

/** The context values connect-node attaches to each call, with its caller when `access` applies. */
export function contextValuesOf(request: IncomingMessage | Http2ServerRequest, access?: Access): ContextValues {
  const { remoteAddress, remotePort } = request.socket;
  const peer = remoteAddress === undefined ? 'unknown' : remoteAddress.includes(':') ? `[${remoteAddress}]:${remotePort}` : `${remoteAddress}:${remotePort}`;
  const caller = access?.identify({
    authorization: request.headers.authorization,
    commonName: () => certificateName(request),
    address: remoteAddress,
  });
  return createContextValues().set(httpCallFacts, { peer, httpMajor: request.httpVersionMajor, caller, client: caller?.name ?? ANONYMOUS });
}

/** The RPC protocol of a call, from its Content-Type: `grpc`, `grpc-web`, or `connect` (also a GET). */
export function protocolOf(contentType: string | null): 'grpc' | 'grpc-web' | 'connect' {
  if (contentType?.startsWith('application/grpc-web')) return 'grpc-web';
  if (contentType?.startsWith('application/grpc')) return 'grpc';
  return 'connect';
}
