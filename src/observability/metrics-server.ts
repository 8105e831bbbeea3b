import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ListenError } from '../common/listen-error.js';

/** What the metrics server reads at each scrape: a prom-client Registry, or the merge of a cluster's. */
export interface MetricsSource {
  readonly contentType: string;
  metrics(): Promise<string>;
}

export interface MetricsServer {
  readonly port: number;
  /** The HTTP server itself, for what this interface does not cover. */
  readonly server: Server;
  close(): Promise<void>;
}

/**
 * Serves the registry at `GET /metrics` in the Prometheus text format; everything else is 404.
 * An error the HTTP server emits once it is listening goes to `onError` (it must not crash the process).
 */
export async function listenMetrics(
  registry: MetricsSource,
  host: string,
  port: number,
  onError: (error: Error) => void,
): Promise<MetricsServer> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (path !== '/metrics' || (request.method !== 'GET' && request.method !== 'HEAD')) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found; metrics are at /metrics\n');
      return;
    }
    registry.metrics().then(
      (text) => response.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (error: unknown) => response.writeHead(500, { 'content-type': 'text/plain' }).end(`${String(error)}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    const failedToListen = (error: Error): void =>
      reject(new ListenError(`cannot serve metrics on ${host}:${port}: ${error.message}`, { cause: error }));
    server.once('error', failedToListen);
    server.listen(port, host, () => {
      // Only the listen-time listener goes: an 'error' with no listener at all would throw.
      server.off('error', failedToListen);
      server.on('error', onError);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Scrapers keep connections alive; do not let them hold shutdown up.
        server.closeAllConnections();
      }),
  };
}
