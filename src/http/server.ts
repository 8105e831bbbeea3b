import { connectNodeAdapter, type ConnectNodeAdapterOptions } from '@connectrpc/connect-node';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createSecureServer, type Http2SecureServer, type Http2ServerRequest, type Http2ServerResponse, type ServerHttp2Session } from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { Access } from '../access/access.js';
import type { Scope } from '../access/scopes.js';
import { formatHostPort } from '../common/host-port.js';
import { InFlight } from '../transport/in-flight.js';
import { ListenError } from '../common/listen-error.js';
import type { ServerTls } from '../common/tls.js';
import { RouteGuide as RouteGuideService } from '../gen/es/route_guide_pb.js';
import { RouteGuideExtensions as ExtensionsService } from '../gen/es/route_guide_extensions_pb.js';
import type { CallObserver } from '../observability/call-observer.js';
import type { Logger } from '../observability/logger.js';
import { IGNORED_REFUSALS, type Refusals } from '../observability/refusals.js';
import { Code } from '../service/errors.js';
import type { RouteGuideExtensions } from '../service/extensions.js';
import type { RouteGuide } from '../service/route-guide.js';
import type { ExportBatching } from '../transport/export-batching.js';
import { SERVICE_UNKNOWN, type HealthView } from '../transport/health-state.js';
import { DEFAULT_LIMITS } from '../transport/limits.js';
import { endRemaining, SHUTTING_DOWN_MESSAGE } from '../transport/shutdown.js';
import { accessControl } from './access-control.js';
import { contextValuesOf, httpCallFacts, protocolOf } from './call-context.js';
import { unimplementedOverHttp1 } from './call-streaming.js';
import { createCors, type CorsOrigins } from './cors.js';
import { guardConnections } from './connection-guard.js';
import { answerError, type ConnectCodeName, type NodeRequest, type NodeResponse } from './early-answers.js';
import { createExtensionRoutes } from './extension-routes.js';
import { observeConnectCalls, observeEarlyAnswer } from './observe-calls.js';
import { createRouteGuideRoutes } from './route-guide-routes.js';
import { connectError } from './status.js';
import { createStaticFiles, DEFAULT_WEB_ROOT, type RequestListener } from './static-files.js';

export interface HttpServerOptions {
  readonly guide: RouteGuide;
  readonly extensions: RouteGuideExtensions;
  readonly batching: ExportBatching;
  readonly log: Logger;
  /** What `/healthz` answers from: the state the gRPC health service serves. */
  readonly health: HealthView;
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** The gRPC port, named where a call needs gRPC. */
  readonly grpcPort: number;
  /** HTTPS (HTTP/2 and HTTP/1.1 by ALPN), with client certificates required when it has a clientCa. */
  readonly tls?: ServerTls;
  /** Largest message received or sent, as over gRPC. */
  readonly maxMessageBytes: number;
  /** Concurrent streams on one HTTP/2 connection. */
  readonly maxConcurrentStreams: number;
  /** Origins other than the server's own that browsers may call from; none when omitted. */
  readonly corsOrigins?: CorsOrigins;
  /** Logging and metrics, as on the gRPC port. */
  readonly observers: readonly CallObserver[];
  /** The map's static files; the package's dist/web when omitted. */
  readonly webRoot?: string;
  /** The access rules (tokens, scopes, quotas), shared with the gRPC port; none when omitted. */
  readonly access?: Access;
  /** What a caller without a token may do: `/access` tells the map. */
  readonly anonymous?: Scope | 'none';
  /** Connections open at once (default 10,000); past it a new one is closed at once. */
  readonly maxConnections?: number;
  /** A request's headers, and the TLS handshake before them, must arrive within this (default 10 s). */
  readonly headersTimeoutMs?: number;
  /** A request's body, unless it is a client stream, must arrive within this (default 30 s). */
  readonly bodyTimeoutMs?: number;
  /** Where refused connections and requests are counted and logged. */
  readonly refusals?: Refusals;
}

export interface ListeningHttpServer {
  readonly host: string;
  readonly port: number;
  /** Streaming calls in flight on the HTTP port. */
  readonly openStreams: () => number;
  /** Requests in flight on the HTTP port: calls of every kind, files and probes. */
  readonly openRequests: () => number;
  /**
   * Graceful stop, as the gRPC server's: /healthz answers 503 and new calls UNAVAILABLE, watches end
   * at once, calls in flight get up to `graceMs`, then the rest end with UNAVAILABLE, and the port
   * and its connections close.
   */
  shutdown(graceMs: number): Promise<void>;
  /** Closes every connection at once (a start-up that failed). */
  destroy(): void;
}

const ROUTE_CHAT_PATH = `/${RouteGuideService.typeName}/${RouteGuideService.method.routeChat.name}`;
/** Calls whose request body is a stream: no body timeout or size applies to the whole of it. */
const CLIENT_STREAM_PATHS: ReadonlySet<string> = new Set([ROUTE_CHAT_PATH, `/${RouteGuideService.typeName}/${RouteGuideService.method.recordRoute.name}`]);
/** A message's envelope (flags and length) in gRPC-Web and Connect streams. */
const ENVELOPE_BYTES = 5;

/** HTTP's answer to a health status: a probe reads the code, a person the word. */
const HEALTHZ_CODES = { SERVING: 200, NOT_SERVING: 503, [SERVICE_UNKNOWN]: 404 } as const;

/**
 * `GET /healthz?service=NAME` answers as the gRPC health service's Check does for NAME: 200 SERVING,
 * 503 NOT_SERVING, or 404 SERVICE_UNKNOWN where Check answers NOT_FOUND. Without `service`, it
 * answers for '' (the whole server), which stays SERVING while storage is down: a readiness probe
 * keeps the server in its load balancer while the database restarts.
 */
function answerHealth(health: HealthView, draining: boolean, url: string, response: NodeResponse): void {
  const service = new URLSearchParams(url.split('?')[1] ?? '').get('service') ?? '';
  const known = health.status(service);
  const status = draining && known !== SERVICE_UNKNOWN ? 'NOT_SERVING' : known;
  (response as ServerResponse)
    .writeHead(HEALTHZ_CODES[status], { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' })
    .end(`${status}\n`);
}

function isRpcPath(path: string): boolean {
  return path.startsWith(`/${RouteGuideService.typeName}/`) || path.startsWith(`/${ExtensionsService.typeName}/`);
}

/**
 * `GET /access`: what a caller without a token may do (`{"anonymous":"read"}`), so that the map asks
 * for a token before it needs one.
 */
function answerAccess(anonymous: Scope | 'none', response: NodeResponse): void {
  (response as ServerResponse)
    .writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' })
    .end(JSON.stringify({ anonymous }));
}

/** The request's declared body length, when it declares one. */
function declaredLength(request: NodeRequest): number | undefined {
  const header = request.headers['content-length'];
  return header === undefined || !/^\d+$/.test(header) ? undefined : Number(header);
}

function createNodeServer(tls: ServerTls | undefined, maxConcurrentStreams: number, handshakeTimeout: number): Server | Http2SecureServer {
  if (tls === undefined) return createServer();
  const mutual = tls.clientCa !== undefined;
  return createSecureServer({
    cert: tls.cert,
    key: tls.key,
    ...(mutual ? { ca: tls.clientCa, requestCert: true, rejectUnauthorized: true } : {}),
    allowHTTP1: true,
    handshakeTimeout,
    settings: { maxConcurrentStreams },
  });
}

/** Creates the HTTP server (Connect, gRPC-Web, /healthz and the map's files) over the same logic, and binds it. */
export async function listenHttp(options: HttpServerOptions): Promise<ListeningHttpServer> {
  const { log } = options;
  const streams = new InFlight();
  // Every request in flight, unary calls and files too: shutdown waits for them within the grace.
  const requests = new InFlight();
  const shutdownController = new AbortController();
  const dependencies = { log, streams, grpcPort: options.grpcPort };
  const connect = connectNodeAdapter({
    routes: (router) => {
      router.service(RouteGuideService, createRouteGuideRoutes(options.guide, dependencies));
      router.service(ExtensionsService, createExtensionRoutes(options.extensions, dependencies, options.batching));
    },
    // The observer is outermost, so that access refusals are logged and counted like any answer.
    interceptors: [observeConnectCalls(options.observers), ...(options.access ? [accessControl(options.access)] : [])],
    readMaxBytes: options.maxMessageBytes,
    writeMaxBytes: options.maxMessageBytes,
    shutdownSignal: shutdownController.signal,
    contextValues: (request) => contextValuesOf(request, options.access),
    // serve-static takes HTTP/1.1's types; HTTP/2's compatibility API has what it uses.
    fallback: createStaticFiles(options.webRoot ?? DEFAULT_WEB_ROOT) as unknown as ConnectNodeAdapterOptions['fallback'],
  });
  const cors = options.corsOrigins === undefined ? undefined : createCors(options.corsOrigins);
  let draining = false;

  const EARLY_CODES = { [Code.UNAVAILABLE]: 'unavailable', [Code.UNIMPLEMENTED]: 'unimplemented', [Code.RESOURCE_EXHAUSTED]: 'resource_exhausted' } as const;
  const answerEarly = (request: NodeRequest, response: NodeResponse, path: string, code: keyof typeof EARLY_CODES, message: string): void => {
    answerError(request, response, EARLY_CODES[code] satisfies ConnectCodeName, message);
    const { peer, client } = contextValuesOf(request, options.access).get(httpCallFacts);
    observeEarlyAnswer(options.observers, { path, peer, client, protocol: protocolOf(request.headers['content-type'] ?? null) }, code, message);
  };
  const route = (request: NodeRequest, response: NodeResponse, path: string): void => {
    const length = declaredLength(request);
    if (length !== undefined && length > options.maxMessageBytes + ENVELOPE_BYTES && !CLIENT_STREAM_PATHS.has(path)) {
      // Refused before it is read: a body that big cannot hold one message the server would take.
      refusals.refuse('http_body_too_large');
      const message = `request body of ${length} bytes is larger than the largest message, ${options.maxMessageBytes} bytes (--max-message-size)`;
      if (isRpcPath(path)) answerEarly(request, response, path, Code.RESOURCE_EXHAUSTED, message);
      else response.writeHead(413, { 'content-type': 'text/plain; charset=utf-8', ...(request.httpVersionMajor === 1 ? { connection: 'close' } : {}) }).end(`${message}\n`);
    } else if (path === '/healthz' && (request.method === 'GET' || request.method === 'HEAD')) {
      answerHealth(options.health, draining, request.url ?? '/', response);
    } else if (path === '/access' && request.method === 'GET') {
      answerAccess(options.anonymous ?? 'write', response);
    } else if (draining && isRpcPath(path)) {
      answerEarly(request, response, path, Code.UNAVAILABLE, SHUTTING_DOWN_MESSAGE);
    } else if (path === ROUTE_CHAT_PATH && request.httpVersionMajor < 2) {
      // connect-node would answer 505 without a message; say what to do instead.
      answerEarly(request, response, path, Code.UNIMPLEMENTED, unimplementedOverHttp1('RouteChat', options.grpcPort).rawMessage);
    } else {
      connect(request, response);
    }
  };
  const server = createNodeServer(options.tls, options.maxConcurrentStreams, options.headersTimeoutMs ?? DEFAULT_LIMITS.httpHeadersTimeoutMs);
  const refusals = options.refusals ?? IGNORED_REFUSALS;
  const guard = guardConnections(server, {
    maxConnections: options.maxConnections ?? DEFAULT_LIMITS.httpMaxConnections,
    headersTimeoutMs: options.headersTimeoutMs ?? DEFAULT_LIMITS.httpHeadersTimeoutMs,
    bodyTimeoutMs: options.bodyTimeoutMs ?? DEFAULT_LIMITS.httpBodyTimeoutMs,
    refusals,
  });
  server.once('close', () => guard.close());
  const listener = (request: NodeRequest, response: NodeResponse): void => {
    const done = requests.add();
    response.once('close', done);
    const path = (request.url ?? '/').split('?')[0]!;
    if (!CLIENT_STREAM_PATHS.has(path)) guard.watchBody(request, response);
    if (draining && request.httpVersionMajor === 1) response.setHeader('connection', 'close');
    if (cors) cors(request as IncomingMessage, response as ServerResponse, () => route(request, response, path));
    else route(request, response, path);
  };

  server.on('request', listener as RequestListener & ((request: Http2ServerRequest, response: Http2ServerResponse) => void));
  const sessions = new Set<ServerHttp2Session>();
  server.on('session', (session: ServerHttp2Session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
  });
  await new Promise<void>((resolve, reject) => {
    const failedToListen = (error: Error): void =>
      reject(new ListenError(`cannot serve HTTP on ${formatHostPort(options.host, options.port)}: ${error.message}`, { cause: error }));
    server.once('error', failedToListen);
    server.listen(options.port, options.host, () => {
      server.off('error', failedToListen);
      server.on('error', (error: Error) => log.error({ err: error }, 'HTTP server error'));
      resolve();
    });
  });
  const closed = new Promise<void>((resolve) => server.once('close', () => resolve()));

  const closeConnections = (): void => {
    if ('closeAllConnections' in server) server.closeAllConnections();
    for (const session of sessions) session.destroy();
  };

  let stopping: Promise<void> | undefined;
  return {
    host: options.host,
    port: (server.address() as AddressInfo).port,
    openStreams: () => streams.size,
    openRequests: () => requests.size,
    shutdown(graceMs) {
      stopping ??= (async () => {
        draining = true;
        streams.endAll();
        // Still listening through the grace period, so that a load balancer's probe reads 503 and a
        // new call UNAVAILABLE instead of a refused connection; idle connections close now.
        if ('closeIdleConnections' in server) server.closeIdleConnections();
        for (const session of sessions) session.close();
        await requests.whenEmpty(graceMs);
        if (requests.size > 0) {
          log.warn({ open: requests.size }, 'HTTP grace period over; ending open calls with UNAVAILABLE');
          await endRemaining(requests, () => shutdownController.abort(connectError(Code.UNAVAILABLE, SHUTTING_DOWN_MESSAGE)));
        }
        server.close();
        closeConnections();
        await closed;
      })();
      return stopping;
    },
    destroy() {
      draining = true;
      server.close();
      closeConnections();
    },
  };
}
