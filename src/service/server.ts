import { Server, ServerCredentials, type ChannelOptions, type ServerInterceptor } from '@grpc/grpc-js';
import { serializeFeature } from './feature-wire.js';
import { createGrpcHandlers } from './grpc-handlers.js';
import { addHealth, type Health } from './health.js';
import { bindFailureReason, ListenError } from './listen-error.js';
import type { Logger } from './logger.js';
import { OpenCalls } from './open-calls.js';
import { addReflection } from './reflection.js';
import type { RouteGuide } from './route-guide.js';
import { strictRouteGuideService } from './wire.js';

export interface GrpcServerOptions {
  readonly guide: RouteGuide;
  readonly log: Logger;
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly credentials?: ServerCredentials;
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
  /** Streaming RouteGuide calls in flight. */
  readonly openStreams: () => number;
  /**
   * Graceful stop, in this order: health goes NOT_SERVING (Watch streams get it, then end); the
   * server stops accepting calls; calls in flight get up to `graceMs` to finish; then the streams
   * still open are ended with UNAVAILABLE, their handlers are awaited, and the rest is forced.
   */
  shutdown(graceMs: number): Promise<void>;
}

/** How long ended handlers get to notice and unwind (they are between two awaits at most). */
const HANDLER_SETTLE_MS = 2000;
/** Lets the UNAVAILABLE statuses reach the wire before connections are cut. */
const STATUS_FLUSH_MS = 100;

/** The strict request decoding, with the faster (byte-identical) serializer for Feature responses. */
const routeGuideService = {
  ...strictRouteGuideService,
  getFeature: { ...strictRouteGuideService.getFeature, responseSerialize: serializeFeature },
  listFeatures: { ...strictRouteGuideService.listFeatures, responseSerialize: serializeFeature },
};

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
  const openCalls = new OpenCalls();
  server.addService(routeGuideService, createGrpcHandlers(options.guide, log, openCalls));
  const health = addHealth(server);
  addReflection(server);
  // IPv6 literals need brackets in the address grpc-js binds.
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  const port = await bind(server, `${host}:${options.port}`, options.credentials ?? ServerCredentials.createInsecure());

  let stopping: Promise<void> | undefined;
  function shutdown(graceMs: number): Promise<void> {
    stopping ??= new Promise<void>((resolve) => {
      health.stopServing();
      log.info('health NOT_SERVING; no longer accepting calls');
      const timer = setTimeout(() => {
        if (openCalls.size > 0) log.warn({ open: openCalls.size }, 'grace period over; ending open streams with UNAVAILABLE');
        openCalls.endAll();
        void openCalls.whenEmpty(HANDLER_SETTLE_MS).then(() => {
          setTimeout(() => server.forceShutdown(), STATUS_FLUSH_MS).unref();
        });
      }, graceMs);
      timer.unref();
      server.tryShutdown(() => {
        clearTimeout(timer);
        // Handlers ended by the timer may still be storing their last note.
        void openCalls.whenEmpty(HANDLER_SETTLE_MS).then(resolve);
      });
    });
    return stopping;
  }

  return { server, host: options.host, port, health, openStreams: () => openCalls.size, shutdown };
}
