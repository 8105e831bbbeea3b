import { afterEach, describe, expect, it } from 'vitest';
import { createHealthClient } from '../support/grpc-tools.js';
import { startTestServer, type TestServer } from '../support/servers.js';

const SERVICES = ['', 'routeguide.RouteGuide', 'routeguide.extensions.v1.RouteGuideExtensions', 'no.such.Service'];

/** `GET /healthz?service=NAME` (plain `/healthz` for ''): the HTTP status and the word it answers. */
async function healthz(port: number, service: string): Promise<string> {
  const query = service === '' ? '' : `?service=${encodeURIComponent(service)}`;
  const response = await fetch(`http://127.0.0.1:${port}/healthz${query}`);
  return `${response.status} ${(await response.text()).trim()}`;
}

/** What grpc.health.v1.Health's Check answers for `service`: its status, or NOT_FOUND. */
function check(target: string, service: string): Promise<string> {
  const client = createHealthClient(target);
  return new Promise<string>((resolve, reject) => {
    client.Check({ service }, (error: (Error & { code?: number }) | null, response: { status: string }) => {
      if (error?.code === 5) resolve('NOT_FOUND');
      else if (error) reject(error);
      else resolve(response.status);
    });
  }).finally(() => client.close());
}

/** Each service's answer over HTTP beside the gRPC health service's, as `name: http | grpc`. */
async function answers(server: TestServer): Promise<string[]> {
  const port = server.running.http!.port;
  return Promise.all(SERVICES.map(async (service) => `${service}: ${await healthz(port, service)} | ${await check(server.target, service)}`));
}

describe('GET /healthz?service=NAME answers as the gRPC health service does for NAME', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  it('while serving: 200 SERVING for the server and each service, 404 for a name health does not know', async () => {
    server = await startTestServer({ http: { port: 0 } });
    expect(await answers(server)).toEqual([
      ': 200 SERVING | SERVING',
      'routeguide.RouteGuide: 200 SERVING | SERVING',
      'routeguide.extensions.v1.RouteGuideExtensions: 200 SERVING | SERVING',
      'no.such.Service: 404 SERVICE_UNKNOWN | NOT_FOUND',
    ]);
    // An empty name is the whole server, as over gRPC.
    expect((await fetch(`http://127.0.0.1:${server.running.http!.port}/healthz?service=`)).status).toBe(200);
  });

  it('while storage is down: 503 NOT_SERVING for the services whose calls need it, while plain /healthz stays 200', async () => {
    server = await startTestServer({ http: { port: 0 } });
    // What start-up does when the storage reports that it cannot be reached (a PostgreSQL restart).
    server.running.server.health.setStorageServices('NOT_SERVING');
    expect(await answers(server)).toEqual([
      ': 200 SERVING | SERVING',
      'routeguide.RouteGuide: 503 NOT_SERVING | NOT_SERVING',
      'routeguide.extensions.v1.RouteGuideExtensions: 503 NOT_SERVING | NOT_SERVING',
      'no.such.Service: 404 SERVICE_UNKNOWN | NOT_FOUND',
    ]);
    server.running.server.health.setStorageServices('SERVING');
    expect(await healthz(server.running.http!.port, 'routeguide.RouteGuide')).toBe('200 SERVING');
  });

  it('while the server starts: 503 NOT_SERVING for every service it knows', async () => {
    let whileStarting: string[] = [];
    server = await startTestServer({
      http: { port: 0 },
      onLoading: async (_port, httpPort) => {
        whileStarting = await Promise.all(SERVICES.map((service) => healthz(httpPort!, service)));
      },
    });
    expect(whileStarting).toEqual(['503 NOT_SERVING', '503 NOT_SERVING', '503 NOT_SERVING', '404 SERVICE_UNKNOWN']);
  });
});
