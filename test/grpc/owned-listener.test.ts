import { readFileSync } from 'node:fs';
import { status } from '@grpc/grpc-js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { serverTlsFrom } from '../../src/app/server-tls.js';
import type { StartOptions } from '../../src/app/start-app.js';
import { createRouteGuideClient, type RouteGuideClient } from '../../src/client/client.js';
import { outcomeOf } from '../support/access.js';
import { captureLog } from '../support/captured-log.js';
import { createCertificates, type Certificates } from '../support/certificates.js';
import { startTestServer, temporaryDirectory, type TestServer } from '../support/servers.js';
import { closedAfter, refusedCount, stalledConnection } from '../support/stalled-connections.js';
import { eventually } from '../support/wait.js';
import type { Socket } from 'node:net';

const BERKSHIRE = { latitude: 409146138, longitude: -746188906 };
const PREFACE = 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n';

describe('the gRPC port owns its listening socket', () => {
  const directory = temporaryDirectory();
  let certificates: Certificates;
  let server: TestServer | undefined;
  const sockets: Socket[] = [];
  const clients: RouteGuideClient[] = [];
  beforeAll(() => {
    certificates = createCertificates(directory.path);
  }, 20_000);
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.destroy();
    for (const client of clients.splice(0)) client.close();
    await server?.stop();
    server = undefined;
  });
  afterAll(() => directory.remove());

  async function serve(options: Partial<StartOptions>): Promise<TestServer> {
    server = await startTestServer({ metricsPort: 0, ...options });
    return server;
  }
  async function metrics(): Promise<string> {
    return (await fetch(`http://127.0.0.1:${server!.running.metricsPort}/metrics`)).text();
  }
  async function stalled(port: number, bytes = ''): Promise<Socket> {
    const socket = await stalledConnection(port, bytes);
    sockets.push(socket);
    return socket;
  }

  it('past --max-connections a new connection is closed at once, counted, and warned about once a second at most', { timeout: 20_000 }, async () => {
    const captured = captureLog('warn');
    const running = await serve({ log: captured.log, limits: { maxConnections: 3 } });
    const port = running.running.port;
    // The test server's own client holds no connection until it calls.
    for (let i = 0; i < 3; i++) await stalled(port);
    const refused = await Promise.all(Array.from({ length: 5 }, async () => closedAfter(await stalled(port))));
    expect(refused.every((ms) => ms < 1000)).toBe(true);
    expect(refusedCount(await metrics(), 'grpc_max_connections')).toBe(5);
    const warnings = captured.lines.filter((line) => line.reason === 'grpc_max_connections');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ level: 40, msg: 'gRPC connection closed at once: --max-connections are open' });
    for (const socket of sockets.splice(0)) socket.destroy();
    const client = createRouteGuideClient(running.target);
    clients.push(client);
    // Once the server has seen them close, there is room again.
    await eventually(async () => (await outcomeOf(() => client.getFeature(BERKSHIRE))).code === status.OK, 5000, 'a connection to be let in');
  });

  it('a connection that sends nothing, or half the HTTP/2 preface, is closed after --connection-setup-timeout; a client that set up stays', { timeout: 20_000 }, async () => {
    const running = await serve({ limits: { connectionSetupTimeoutMs: 300 } });
    const port = running.running.port;
    const client = createRouteGuideClient(running.target);
    clients.push(client);
    await client.getFeature(BERKSHIRE);
    const silent = closedAfter(await stalled(port));
    const half = closedAfter(await stalled(port, PREFACE.slice(0, 12)));
    for (const ms of await Promise.all([silent, half])) {
      expect(ms).toBeGreaterThanOrEqual(200);
      expect(ms).toBeLessThan(5000);
    }
    expect(refusedCount(await metrics(), 'grpc_connection_setup_timeout')).toBe(2);
    // The client's connection, set up long since, still serves.
    expect((await client.getFeature(BERKSHIRE)).name).toMatch(/^Berkshire/);
  });

  it('over TLS, a connection that never finishes its handshake is closed after the timeout; clients with and without mTLS are served as before', { timeout: 20_000 }, async () => {
    const tls = serverTlsFrom('test', { 'tls-cert': certificates.serverCert, 'tls-key': certificates.serverKey, 'tls-client-ca': certificates.caCert });
    const running = await serve({ host: 'localhost', tls, limits: { connectionSetupTimeoutMs: 300 } });
    const port = running.running.port;
    expect(await closedAfter(await stalled(port))).toBeLessThan(5000);
    expect(refusedCount(await metrics(), 'grpc_connection_setup_timeout')).toBe(1);
    const pem = (path: string) => readFileSync(path);
    const trusted = createRouteGuideClient(`localhost:${port}`, { tls: { ca: pem(certificates.caCert), cert: pem(certificates.clientCert), key: pem(certificates.clientKey) } });
    const anonymous = createRouteGuideClient(`localhost:${port}`, { tls: { ca: pem(certificates.caCert) } });
    clients.push(trusted, anonymous);
    expect((await trusted.getFeature(BERKSHIRE)).name).toMatch(/^Berkshire/);
    expect((await outcomeOf(() => anonymous.getFeature(BERKSHIRE, { timeoutMs: 5000 }))).code).toBe(status.UNAVAILABLE);
  });
});
