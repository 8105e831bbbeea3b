import { ConnectError, Code as ConnectCode } from '@connectrpc/connect';
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findPostgresBinaries, startCluster, type Cluster } from '../../scripts/postgres-cluster.js';
import { captureLog } from '../support/captured-log.js';
import { collect, startTestServer, type TestServer } from '../support/servers.js';
import { createHealthClient } from '../support/grpc-tools.js';
import { httpBase, httpClients } from '../support/http.js';
import { HAVE_POSTGRES } from '../support/postgres.js';

function check(target: string, service: string): Promise<string> {
  const client = createHealthClient(target);
  return new Promise<string>((resolve, reject) => {
    client.Check({ service }, (error: Error | null, response: { status: string }) => (error ? reject(error) : resolve(response.status)));
  }).finally(() => client.close());
}

async function healthOf(target: string): Promise<string[]> {
  return Promise.all(['', 'routeguide.RouteGuide', 'routeguide.extensions.v1.RouteGuideExtensions'].map((service) => check(target, service)));
}

/** What an HTTP-only probe reads: `/healthz` for the server, then `/healthz?service=` for each service. */
async function httpHealthOf(base: string): Promise<string[]> {
  return Promise.all(
    ['', '?service=routeguide.RouteGuide', '?service=routeguide.extensions.v1.RouteGuideExtensions'].map(async (query) => {
      const response = await fetch(`${base}/healthz${query}`);
      return `${response.status} ${(await response.text()).trim()}`;
    }),
  );
}

async function storageUp(metricsPort: number): Promise<string | undefined> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  return /^routeguide_storage_up (\d)$/m.exec(text)?.[1];
}

const BERKSHIRE = { latitude: 409146138, longitude: -746188906 };

// A cluster of its own, since this test stops and restarts the server under it.
describe.skipIf(!HAVE_POSTGRES)('PostgreSQL stopped and started under a running server', () => {
  let cluster: Cluster;
  let server: TestServer;
  const captured = captureLog('info');
  beforeAll(async () => {
    cluster = await startCluster(findPostgresBinaries()!, { settings: { fsync: 'off' } });
    server = await startTestServer({ storageUrl: cluster.url('postgres'), metricsPort: 0, http: { port: 0 }, log: captured.log });
  }, 30_000);
  afterAll(async () => {
    await server?.stop();
    cluster?.stop();
  });

  it('while it is down: calls that need it are UNAVAILABLE, health NOT_SERVING for RouteGuide and its extensions but SERVING for the server (over gRPC and HTTP alike), routeguide_storage_up 0, the index answers; all recovers once it is back', async () => {
    const { client, target } = server;
    const base = httpBase(server);
    const metricsPort = server.running.metricsPort!;
    await client.postNote({ location: { latitude: 1, longitude: 1 }, message: 'before' });
    expect(await healthOf(target)).toEqual(['SERVING', 'SERVING', 'SERVING']);
    expect(await httpHealthOf(base)).toEqual(['200 SERVING', '200 SERVING', '200 SERVING']);
    expect(await storageUp(metricsPort)).toBe('1');
    cluster.stopServer();
    await expect(client.postNote({ location: { latitude: 1, longitude: 1 }, message: 'while down' })).rejects.toMatchObject({
      code: status.UNAVAILABLE,
      details: 'storage unavailable; try again',
    });
    await expect(collect(client.routeChat([{ location: { latitude: 1, longitude: 1 }, message: 'chat while down' }]))).rejects.toMatchObject({
      code: status.UNAVAILABLE,
    });
    const overConnect = await httpClients(base, 'connect-json')
      .extensions.postNote({ location: { latitude: 1, longitude: 1 }, message: 'while down, over Connect' })
      .catch((error: unknown) => ConnectError.from(error));
    expect(overConnect).toMatchObject({ code: ConnectCode.Unavailable, rawMessage: 'storage unavailable; try again' });
    expect((await client.getFeature(BERKSHIRE)).name).toContain('Berkshire Valley');
    // The whole server still answers from its index; the services whose calls need storage do not.
    expect(await healthOf(target)).toEqual(['SERVING', 'NOT_SERVING', 'NOT_SERVING']);
    expect(await httpHealthOf(base)).toEqual(['200 SERVING', '503 NOT_SERVING', '503 NOT_SERVING']);
    expect(await storageUp(metricsPort)).toBe('0');
    expect((await collect(client.listFeatures({ lo: { latitude: 400000000, longitude: -750000000 }, hi: { latitude: 420000000, longitude: -730000000 } }))).length).toBeGreaterThan(0);
    cluster.startServer();
    // The probe finds it back within about a second; the pool drops the connections the restart cut.
    const back = Date.now();
    while ((await check(target, 'routeguide.RouteGuide')) !== 'SERVING') {
      if (Date.now() - back > 5_000) throw new Error('health did not return to SERVING within 5 s');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(Date.now() - back).toBeLessThan(5_000);
    expect(await healthOf(target)).toEqual(['SERVING', 'SERVING', 'SERVING']);
    expect(await httpHealthOf(base)).toEqual(['200 SERVING', '200 SERVING', '200 SERVING']);
    expect(await storageUp(metricsPort)).toBe('1');
    const reply = await client.postNote({ location: { latitude: 1, longitude: 1 }, message: 'after' });
    expect(reply.earlierNotes.map((note) => note.message)).toEqual(['before']);
    // The connection listening for changes: one line when it was lost, one when it listens again.
    await captured.waitFor((line) => line.msg === 'listening for changes by other servers again; catching up');
    const listenLines = captured.lines.filter((line) => String(line.msg).includes('for changes by other servers'));
    expect(listenLines.map(({ level, msg }) => [level, msg])).toEqual([
      [40, 'cannot listen for changes by other servers; retrying'],
      [30, 'listening for changes by other servers again; catching up'],
    ]);
    expect(listenLines[1]).toMatchObject({ afterMs: expect.any(Number) });
  }, 30_000);
});
