import type { IncomingMessage, Server } from 'node:http';
import { constants as http2, type Http2SecureServer, type Http2ServerRequest, type ServerHttp2Session } from 'node:http2';
import type { Socket } from 'node:net';
import type { RefusalReason, Refusals } from '../observability/refusals.js';
import type { NodeRequest, NodeResponse } from './early-answers.js';

export interface ConnectionGuardOptions {
  /** Connections open at once; past it a new one is closed at once. */
  readonly maxConnections: number;
  /** A request's headers (and the TLS handshake before them) must arrive within this. */
  readonly headersTimeoutMs: number;
  /** A watched request's body must have arrived whole within this. */
  readonly bodyTimeoutMs: number;
  readonly refusals: Refusals;
}

export interface ConnectionGuard {
  /** Holds the request to the body timeout: its body must have arrived whole in time, or it is ended. */
  watchBody(request: NodeRequest, response: NodeResponse): void;
  /** Stops the guard's timer (the server is closing). */
  close(): void;
}

/** What Node's own HTTP/1.1 server answers to a request it gives up on, written before the socket closes. */
const ANSWERS: Record<string, string> = {
  ERR_HTTP_REQUEST_TIMEOUT: 'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n',
  HPE_HEADER_OVERFLOW: 'HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\n\r\n',
};
const BAD_REQUEST = 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n';

/** An HTTP/2 session as the guard follows it. */
interface SessionState {
  streams: number;
  hadStream: boolean;
  idleSince: number;
}

/** Whether a request's body has arrived whole, whether or not anyone has read it yet. */
function bodyArrived(request: NodeRequest): boolean {
  if (request.httpVersionMajor < 2) return (request as IncomingMessage).complete;
  const { stream } = request as Http2ServerRequest;
  return stream.destroyed || stream.closed || stream.state?.remoteClose === 1;
}

/** Ends a request whose body is late: HTTP/2 resets its stream, HTTP/1.1 closes its connection. */
function endRequest(request: NodeRequest): void {
  if (request.httpVersionMajor < 2) request.socket.destroy();
  else (request as Http2ServerRequest).stream.close(http2.NGHTTP2_CANCEL);
}

/**
 * Guards the HTTP port against connections that hold it without finishing a request: a cap on open
 * connections (Node's maxConnections), headers within `headersTimeoutMs` (Node's own timeout for
 * HTTP/1.1, the TLS handshake's, and for HTTP/2 a timer of its own: a session that opens no stream
 * in time is closed), and bodies within `bodyTimeoutMs` (timers of its own over both). Call before
 * the server listens. Each refusal is reported to `refusals`.
 */
export function guardConnections(server: Server | Http2SecureServer, options: ConnectionGuardOptions): ConnectionGuard {
  const { refusals, headersTimeoutMs, bodyTimeoutMs } = options;
  // Deadlines hold to within a quarter of the shorter one, checked at most once a second.
  const sweepMs = Math.max(50, Math.min(1000, Math.min(headersTimeoutMs, bodyTimeoutMs) / 4));
  const refuse = (reason: RefusalReason): void => refusals.refuse(reason);

  server.maxConnections = options.maxConnections;
  server.on('drop', () => refuse('http_max_connections'));

  // HTTP/1.1 (plain, or over TLS beside HTTP/2): Node's own headers timeout, checked every sweep.
  // connectionsCheckingInterval is a property of both servers that @types/node does not declare.
  const http1 = server as Server & { connectionsCheckingInterval: number };
  http1.headersTimeout = headersTimeoutMs;
  http1.requestTimeout = 0;
  http1.connectionsCheckingInterval = sweepMs;
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') refuse('http_headers_timeout');
    // As Node answers when nobody listens: HTTP/1.1's own errors get a status line first.
    const http1Error = error.code === 'ERR_HTTP_REQUEST_TIMEOUT' || error.code?.startsWith('HPE_') === true;
    if (http1Error && socket.writable) socket.write(ANSWERS[error.code!] ?? BAD_REQUEST);
    socket.destroy();
  });
  server.on('tlsClientError', (error: NodeJS.ErrnoException) => {
    if (error.code === 'ERR_TLS_HANDSHAKE_TIMEOUT') refuse('http_headers_timeout');
  });

  // HTTP/2: a session with no stream open must open one within the headers timeout. One that never
  // did is refused; one idle after its calls is closed quietly, as HTTP/1.1's keep-alive timeout does.
  const sessions = new Map<ServerHttp2Session, SessionState>();
  server.on('session', (session: ServerHttp2Session) => {
    const state: SessionState = { streams: 0, hadStream: false, idleSince: performance.now() };
    sessions.set(session, state);
    session.on('stream', (stream) => {
      state.streams++;
      state.hadStream = true;
      stream.once('close', () => {
        state.streams--;
        state.idleSince = performance.now();
      });
    });
    session.once('close', () => sessions.delete(session));
  });

  /** Requests held to the body timeout, with when they began. */
  const bodies = new Map<NodeRequest, number>();

  const timer = setInterval(() => {
    const now = performance.now();
    for (const [session, state] of sessions) {
      if (state.streams > 0 || now - state.idleSince < headersTimeoutMs) continue;
      sessions.delete(session);
      if (state.hadStream) {
        session.close();
      } else {
        refuse('http_headers_timeout');
        session.destroy();
      }
    }
    for (const [request, startedAt] of bodies) {
      if (bodyArrived(request)) bodies.delete(request);
      else if (now - startedAt >= bodyTimeoutMs) {
        bodies.delete(request);
        refuse('http_body_timeout');
        endRequest(request);
      }
    }
  }, sweepMs);
  timer.unref();

  return {
    watchBody(request, response) {
      if (bodyArrived(request)) return;
      bodies.set(request, performance.now());
      response.once('close', () => bodies.delete(request));
    },
    close() {
      clearInterval(timer);
    },
  };
}
