import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findPostgresBinaries, startCluster, type Cluster } from '../scripts/postgres-cluster.js';
import { collect, startTestServer, type TestServer } from './support/servers.js';
import { HAVE_POSTGRES } from './support/postgres.js';

const BERKSHIRE = { latitude: 409146138, longitude: -746188906 };

// A cluster of its own, since this test stops and restarts the server under it.
describe.skipIf(!HAVE_POSTGRES)('PostgreSQL stopped and started under a running server', () => {
  let cluster: Cluster;
  let server: TestServer;
  beforeAll(async () => {
    cluster = await startCluster(findPostgresBinaries()!, { settings: { fsync: 'off' } });
    server = await startTestServer({ storageUrl: cluster.url('postgres') });
  }, 30_000);
  afterAll(async () => {
    await server?.stop();
    cluster?.stop();
  });

  it('calls that need the database fail with UNAVAILABLE while it is down, the index goes on answering, and notes work again once it is back', async () => {
    const { client } = server;
    await client.postNote({ location: { latitude: 1, longitude: 1 }, message: 'before' });
    cluster.stopServer();
    await expect(client.postNote({ location: { latitude: 1, longitude: 1 }, message: 'while down' })).rejects.toMatchObject({
      code: status.UNAVAILABLE,
      details: 'storage unavailable; try again',
    });
    await expect(collect(client.routeChat([{ location: { latitude: 1, longitude: 1 }, message: 'chat while down' }]))).rejects.toMatchObject({
      code: status.UNAVAILABLE,
    });
    expect((await client.getFeature(BERKSHIRE)).name).toContain('Berkshire Valley');
    expect((await collect(client.listFeatures({ lo: { latitude: 400000000, longitude: -750000000 }, hi: { latitude: 420000000, longitude: -730000000 } }))).length).toBeGreaterThan(0);
    cluster.startServer();
    // The pool drops the connections the restart cut and opens new ones.
    const reply = await client.postNote({ location: { latitude: 1, longitude: 1 }, message: 'after' });
    expect(reply.earlierNotes.map((note) => note.message)).toEqual(['before']);
  }, 30_000);
});
