import { Server, type ChannelOptions, type ServerInterceptor } from '@grpc/grpc-js';
import { InFlight } from '../transport/in-flight.js';
import type { ServerTls } from '../common/tls.js';
import type { Logger } from '../observability/logger.js';
import { IGNORED_REFUSALS, type Refusals } from '../observability/refusals.js';
import type { RouteGuideExtensions } from '../service/extensions.js';
import type { RouteGuide } from '../service/route-guide.js';
import type { ExportBatching } from '../transport/export-batching.js';
import { endRemaining, handlersSettled } from '../transport/shutdown.js';
import { createExtensionHandlers } from './extension-handlers.js';
import { extensionsServiceDefinition } from './extensions-definition.js';
import { createGrpcHandlers } from './handlers.js';
import { addHealth, type Health } from './health.js';
import { SHUTTING_DOWN, type OpenCalls } from './open-calls.js';
import { listenOwned } from './owned-listener.js';
import { addReflection } from './reflection.js';
import { routeGuideServiceDefinition } from './service-definition.js';

export interface GrpcServerOptions {
  readonly guide: RouteGuide;
  /** RouteGuideExtensions, served beside RouteGuide when given, with how ExportFeatures batches. */
  readonly extensions?: { readonly logic: RouteGuideExtensions; readonly options: ExportBatching };
  readonly log: Logger;
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  /** TLS or mTLS; plaintext when omitted. */
  readonly tls?: ServerTls;
  /** grpc-js options: message size, concurrent streams, keepalive (see limits.ts). */
  readonly channelOptions?: ChannelOptions;
  /** Outermost last: logging and metrics, access, idle timeout. */
  readonly interceptors?: readonly ServerInterceptor[];
  /** Connections open at once (default 10,000); past it a new one is closed at once. */
  readonly maxConnections?: number;
  /** A new connection's TLS handshake and HTTP/2 preface must arrive within this (default 10 s). */
  readonly connectionSetupTimeoutMs?: number;
  /** Where refused connections are counted and logged. */
  readonly refusals?: Refusals;
}

export interface ListeningServer {
  readonly server: Server;
  readonly host: string;
  readonly port: number;
  /** Health for '' and routeguide.RouteGuide; NOT_SERVING until the caller sets SERVING. */
  readonly health: Health;
  /** Streaming calls in flight (RouteGuide's and the extensions', watches included). */
  readonly openStreams: () => number;
  /**
   * Graceful stop, in this order: health goes NOT_SERVING (Watch streams get it, then end); the
   * server stops accepting calls; calls in flight get up to `graceMs` to finish; then the streams
   * still open are ended with UNAVAILABLE, their handlers are awaited, and the rest is forced.
   */
  shutdown(graceMs: number): Promise<void>;
  /** Closes the port and every connection at once (a start-up that failed). */
  destroy(): void;
}

/** Creates the grpc-js server with RouteGuide, health and reflection, and binds it. */
export async function listenGrpc(options: GrpcServerOptions): Promise<ListeningServer> {
  const { log } = options;
  const server = new Server({ ...options.channelOptions, interceptors: [...(options.interceptors ?? [])] });
  const openCalls: OpenCalls = new InFlight();
  server.addService(routeGuideServiceDefinition, createGrpcHandlers(options.guide, log, openCalls));
  // Watches never finish by themselves: shutdown ends them at once, apart from the other streams.
  const watches: OpenCalls = new InFlight();
  if (options.extensions) {
    const { logic, options: batching } = options.extensions;
    server.addService(extensionsServiceDefinition, createExtensionHandlers(logic, log, openCalls, batching, watches));
  }
  const health = addHealth(server);
  addReflection(server);
  // The server owns its listening sockets: grpc-js's own bind caps neither connections nor their set-up.
  const listener = await listenOwned(server, {
    host: options.host,
    port: options.port,
    tls: options.tls,
    maxConnections: options.maxConnections ?? 10_000,
    setupTimeoutMs: options.connectionSetupTimeoutMs ?? 10_000,
    refusals: options.refusals ?? IGNORED_REFUSALS,
  });
  const { port } = listener;

  let stopping: Promise<void> | undefined;
  function shutdown(graceMs: number): Promise<void> {
    stopping ??= new Promise<void>((resolve) => {
      health.stopServing();
      listener.close();
      log.info('health NOT_SERVING; no longer accepting calls');
      watches.endAll(SHUTTING_DOWN);
      const timer = setTimeout(() => {
        if (openCalls.size > 0) log.warn({ open: openCalls.size }, 'grace period over; ending open streams with UNAVAILABLE');
        void endRemaining(openCalls, () => openCalls.endAll(SHUTTING_DOWN)).then(() => server.forceShutdown());
      }, graceMs);
      timer.unref();
      server.tryShutdown(() => {
        clearTimeout(timer);
        // Handlers ended by the timer may still be storing their last note.
        void handlersSettled(openCalls, watches).then(() => resolve());
      });
    });
    return stopping;
  }

  const destroy = (): void => {
    listener.destroy();
    server.forceShutdown();
  };
  return { server, host: options.host, port, health, openStreams: () => openCalls.size + watches.size, shutdown, destroy };
}
