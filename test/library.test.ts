import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createRouteGuideClient,
  degreesToE7,
  e7ToDegrees,
  openStorage,
  SettingsError,
  startRouteGuide,
  type RouteGuideClient,
  type RouteGuideServer,
} from '../src/routeguide.js';
import { newToken, tokenHash } from '../src/access/tokens.js';
import { createCertificates, type Certificates } from './support/certificates.js';
import { corruptIndexReadByNothingAtStart } from './support/corrupt-database.js';
import { temporaryDirectory } from './support/servers.js';
import { eventually } from './support/wait.js';

const BERKSHIRE = { latitude: 409146138, longitude: -746188906 };
const WORLD = { lo: { latitude: -900000000, longitude: -1800000000 }, hi: { latitude: 900000000, longitude: 1800000000 } };

describe('the routeguide package entry', () => {
  let server: RouteGuideServer | undefined;
  const clients: RouteGuideClient[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    await server?.close(1);
    server = undefined;
  });
  function connect(...args: Parameters<typeof createRouteGuideClient>): RouteGuideClient {
    const client = createRouteGuideClient(...args);
    clients.push(client);
    return client;
  }

  it("startRouteGuide() serves the canonical features from memory on a free port, with serve's other defaults", async () => {
    server = await startRouteGuide({ logLevel: 'silent' });
    expect(server.port).toBeGreaterThan(0);
    expect(server.address).toBe(`127.0.0.1:${server.port}`);
    expect(server.metricsPort).toBeUndefined();
    expect((await connect(server.address).getFeature(BERKSHIRE)).name).toBe('Berkshire Valley Management Area Trail, Jefferson, NJ, USA');
  });

  it('startRouteGuide takes serve settings in camelCase and starts the other listeners it is asked for', async () => {
    server = await startRouteGuide({ logLevel: 'silent', empty: true, metricsPort: 0, replayLimit: 1 });
    expect((await connect(server.address).getFeature(BERKSHIRE)).name).toBe('');
    const metrics = await fetch(`http://127.0.0.1:${server.metricsPort}/metrics`);
    expect(metrics.status).toBe(200);
  });

  it.each([
    [{ replayLimit: -1 }, 'startRouteGuide: invalid replayLimit="-1": must be an integer between 0 and 1000000'],
    [{ storage: 'redis://x' }, 'storage URL "redis://x": unknown scheme; supported: memory:, sqlite:<path>, postgres://USER:PASSWORD@HOST:PORT/DATABASE'],
    [{ synchronous: 'sometimes' as 'full' }, 'startRouteGuide: invalid synchronous="sometimes": must be one of normal, full'],
    [{ tlsCert: '/nonexistent/cert.pem' }, 'startRouteGuide: tlsCert and tlsKey go together; got only tlsCert'],
    [{ replyLimit: 5 } as object, 'startRouteGuide: unknown option replyLimit; the options are storage, indexDir, host, port, httpPort, httpHost, httpCorsOrigin, seed, empty, latColumn, lngColumn, nameColumn, skipInvalid, replayLimit,'],
  ])('startRouteGuide(%j) rejects in one line naming the option', async (options, message) => {
    await expect(startRouteGuide({ logLevel: 'silent', ...options })).rejects.toThrow(message);
  });

  it('a bad option is a SettingsError', async () => {
    await expect(startRouteGuide({ port: 70000 })).rejects.toBeInstanceOf(SettingsError);
  });

  it('an aborted AbortSignal cancels a unary call and a server stream (CANCELLED)', async () => {
    server = await startRouteGuide({ logLevel: 'silent' });
    const client = connect(server.address);
    const aborted = new AbortController();
    aborted.abort();
    await expect(client.getFeature(BERKSHIRE, { signal: aborted.signal })).rejects.toMatchObject({ code: status.CANCELLED });
    const stopping = new AbortController();
    let received = 0;
    await expect(
      (async () => {
        for await (const _ of client.listFeatures(WORLD, { signal: stopping.signal })) {
          if (++received === 3) stopping.abort();
        }
      })(),
    ).rejects.toMatchObject({ code: status.CANCELLED });
    expect(received).toBeLessThan(100);
  });

  it('the client covers RouteGuideExtensions on the same connection: post, watch, export', async () => {
    server = await startRouteGuide({ logLevel: 'silent' });
    const client = connect(server.address);
    const watching = new AbortController();
    const watched: string[] = [];
    const watch = (async () => {
      for await (const note of client.watchNotes({ lo: { latitude: 0, longitude: 0 }, hi: { latitude: 10, longitude: 10 } }, { signal: watching.signal })) {
        watched.push(note.message);
        if (watched.length === 2) watching.abort();
      }
    })().catch((error: { code?: number }) => {
      if (error.code !== status.CANCELLED) throw error;
    });
    // The watch begins once its stream is open: post until it has seen two notes.
    for (let i = 0; watched.length < 2; i++) {
      expect((await client.postNote({ location: { latitude: 1, longitude: 1 }, message: `note ${i}` })).earlierNotes).toHaveLength(i);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await watch;
    expect(watched).toHaveLength(2);
    let exported = 0;
    for await (const batch of client.exportFeatures({ rectangle: WORLD, batchSize: 30 })) {
      expect(batch.features.length).toBeLessThanOrEqual(30);
      exported += batch.features.length;
    }
    expect(exported).toBe(100);
  });

  it('authFile and anonymous restrict who may write; the client sends its token option with every call', async () => {
    const directory = temporaryDirectory();
    try {
      const token = newToken();
      const authFile = join(directory.path, 'clients.auth');
      writeFileSync(authFile, `app write sha256:${tokenHash(token).toString('hex')}\n`);
      server = await startRouteGuide({ logLevel: 'silent', authFile, writeRate: Infinity });
      const note = { location: { latitude: 1, longitude: 1 }, message: 'hi' };
      await expect(connect(server.address).postNote(note)).rejects.toMatchObject({ code: status.UNAUTHENTICATED });
      expect((await connect(server.address).getFeature(BERKSHIRE)).name).not.toBe('');
      expect((await connect(server.address, { token }).postNote(note)).earlierNotes).toEqual([]);
    } finally {
      directory.remove();
    }
  });

  it('a deadline in the past fails a call with DEADLINE_EXCEEDED', async () => {
    server = await startRouteGuide({ logLevel: 'silent' });
    await expect(connect(server.address).getFeature(BERKSHIRE, { deadline: new Date(Date.now() - 1) })).rejects.toMatchObject({
      code: status.DEADLINE_EXCEEDED,
    });
  });

  it('an embedded server whose SQLite file fails the check run once it serves stops itself; close() then resolves', async () => {
    const directory = temporaryDirectory();
    try {
      const path = join(directory.path, 'corrupt.db');
      const storage = await openStorage(`sqlite:${path}`);
      await storage.insertFeatures([{ name: 'Here', latitude: 1, longitude: 2 }]);
      await storage.close();
      corruptIndexReadByNothingAtStart(path);
      server = await startRouteGuide({ logLevel: 'silent', storage: `sqlite:${path}` });
      const client = connect(server.address);
      const refused = (error: unknown) => (error as { code?: number }).code === status.UNAVAILABLE;
      await eventually(() => client.getFeature({ latitude: 1, longitude: 2 }).then(() => false, refused), 10_000, 'the server to stop itself');
      await server.close(1);
    } finally {
      directory.remove();
    }
  });

  it('openStorage resolves with a storage that keeps what it is given', async () => {
    const storage = await openStorage('memory:');
    expect(await storage.insertFeatures([{ name: 'Here', latitude: 1, longitude: 2 }])).toEqual({ inserted: 1, duplicates: 0 });
    expect(await storage.countFeatures()).toBe(1);
    await storage.close();
  });

  it('converts degrees to E7 and back by the importers rule', () => {
    expect(degreesToE7(-40.00000005, 90)).toBe(-400000001);
    expect(degreesToE7(95, 90)).toBeUndefined();
    expect(e7ToDegrees(409146138)).toBe('40.9146138');
  });

  describe('over TLS', () => {
    const directory = temporaryDirectory();
    let certificates: Certificates;
    beforeAll(() => {
      certificates = createCertificates(directory.path);
    }, 20_000);
    afterAll(() => directory.remove());

    it('serves mTLS from tlsCert, tlsKey and tlsClientCa; the client presents PEM contents through its tls option', async () => {
      server = await startRouteGuide({
        logLevel: 'silent',
        host: 'localhost',
        tlsCert: certificates.serverCert,
        tlsKey: certificates.serverKey,
        tlsClientCa: certificates.caCert,
      });
      const pem = (path: string) => readFileSync(path);
      const trusted = connect(`localhost:${server.port}`, {
        tls: { ca: pem(certificates.caCert), cert: pem(certificates.clientCert), key: pem(certificates.clientKey) },
      });
      expect((await trusted.getFeature(BERKSHIRE)).name).not.toBe('');
      const anonymous = connect(`localhost:${server.port}`, { tls: { ca: pem(certificates.caCert) } });
      await expect(anonymous.getFeature(BERKSHIRE, { timeoutMs: 5000 })).rejects.toMatchObject({ code: status.UNAVAILABLE });
    });
  });
});
