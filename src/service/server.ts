import { Server, ServerCredentials, type ChannelOptions } from '@grpc/grpc-js';
import { RouteGuideService } from '../gen/route_guide.js';
import { serializeFeature } from './feature-wire.js';
import { createGrpcHandlers } from './grpc-handlers.js';
import type { Logger } from './logger.js';
import { OpenCalls } from './open-calls.js';
import type { RouteGuide } from './route-guide.js';

export interface GrpcServerOptions {
  readonly guide: RouteGuide;
  readonly log: Logger;
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly credentials?: ServerCredentials;
  readonly channelOptions?: ChannelOptions;
}

export interface ListeningServer {
  readonly server: Server;
  readonly host: string;
  readonly port: number;
  /**
   * Stops accepting calls and lets calls in flight finish for up to `graceMs`; then ends the
   * streams still open with UNAVAILABLE and forces the rest closed.
   */
  shutdown(graceMs: number): Promise<void>;
}

/** The generated service definition, with the faster (byte-identical) serializer for Feature responses. */
const routeGuideService = {
  ...RouteGuideService,
  getFeature: { ...RouteGuideService.getFeature, responseSerialize: serializeFeature },
  listFeatures: { ...RouteGuideService.listFeatures, responseSerialize: serializeFeature },
};

function bind(server: Server, address: string, credentials: ServerCredentials): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(address, credentials, (error, port) => (error ? reject(error) : resolve(port)));
  });
}

/** Creates the grpc-js server with the RouteGuide service and binds it. */
export async function listenGrpc(options: GrpcServerOptions): Promise<ListeningServer> {
  const server = new Server(options.channelOptions);
  const openCalls = new OpenCalls();
  server.addService(routeGuideService, createGrpcHandlers(options.guide, options.log, openCalls));
  // IPv6 literals need brackets in the address grpc-js binds.
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  const port = await bind(server, `${host}:${options.port}`, options.credentials ?? ServerCredentials.createInsecure());

  let stopping: Promise<void> | undefined;
  function shutdown(graceMs: number): Promise<void> {
    stopping ??= new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        if (openCalls.size > 0) options.log.warn({ open: openCalls.size }, 'grace period over; ending open calls');
        openCalls.endAll();
        // Give the UNAVAILABLE statuses a moment to reach the wire before cutting connections.
        setTimeout(() => server.forceShutdown(), 100).unref();
      }, graceMs);
      timer.unref();
      server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    return stopping;
  }

  return { server, host: options.host, port, shutdown };
}
