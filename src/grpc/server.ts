import { Server, ServerCredentials, type ChannelOptions, type ServerInterceptor } from '@grpc/grpc-js';
import { formatHostPort } from '../common/host-port.js';
import { InFlight } from '../transport/in-flight.js';
import { ListenError } from '../common/listen-error.js';
import type { ServerTls } from '../common/tls.js';
import type { Logger } from '../observability/logger.js';
import type { RouteGuideExtensions } from '../service/extensions.js';
import type { RouteGuide } from '../service/route-guide.js';
import type { ExportBatching } from '../transport/export-batching.js';
import { endRemaining, handlersSettled } from '../transport/shutdown.js';
import { createExtensionHandlers } from './extension-handlers.js';
import { extensionsServiceDefinition } from './extensions-definition.js';
import { createGrpcHandlers } from './handlers.js';
import { addHealth, type Health } from './health.js';
import { SHUTTING_DOWN, type OpenCalls } from './open-calls.js';
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
  /** Outermost last: logging and metrics, idle timeout. */
  readonly interceptors?: readonly ServerInterceptor[];
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
}

/** The useful part of a bind failure: grpc-js wraps the socket errors in "No address added ... errors: [...]". */
function bindFailureReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return /errors: \[(.*)\]$/.exec(message)?.[1] ?? message;
}

function credentialsFor(tls: ServerTls | undefined): ServerCredentials {
  if (tls === undefined) return ServerCredentials.createInsecure();
  const clientCa = tls.clientCa ?? null;
  return ServerCredentials.createSsl(clientCa, [{ cert_chain: tls.cert, private_key: tls.key }], clientCa !== null);
}

function bind(server: Server, address: string, credentials: ServerCredentials): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(address, credentials, (error, port) =>
      error ? reject(new ListenError(`cannot listen on ${address}: ${bindFailureReason(error)}`, { cause: error })) : resolve(port),
    );
  });
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
  const port = await bind(server, formatHostPort(options.host, options.port), credentialsFor(options.tls));

  let stopping: Promise<void> | undefined;
  function shutdown(graceMs: number): Promise<void> {
    stopping ??= new Promise<void>((resolve) => {
      health.stopServing();
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

  return { server, host: options.host, port, health, openStreams: () => openCalls.size + watches.size, shutdown };
}
