import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { createClient } from '@connectrpc/connect';
import { createConnectTransport, createGrpcTransport } from '@connectrpc/connect-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { serverTlsFrom } from '../../src/app/server-tls.js';
import { RouteGuide } from '../../src/gen/es/route_guide_pb.js';
import { createCertificates, type Certificates } from '../support/certificates.js';
import { collect, startTestServer, temporaryDirectory, type TestServer } from '../support/servers.js';

const BERKSHIRE = { latitude: 409146138, longitude: -746188906 };

/** One HTTPS GET on 127.0.0.1 trusting the test CA, with a client certificate when given. */
function httpsGet(port: number, path: string, options: { ca: string; cert?: string; key?: string }): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const outgoing = request({ host: '127.0.0.1', port, path, servername: 'localhost', ...options }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    outgoing.on('error', reject);
    outgoing.end();
  });
}

describe('the HTTP port under TLS and mTLS', () => {
  const directory = temporaryDirectory();
  let certificates: Certificates;
  let pem: { ca: string; cert: string; key: string };
  let server: TestServer | undefined;

  beforeAll(() => {
    certificates = createCertificates(directory.path);
    pem = {
      ca: readFileSync(certificates.caCert, 'utf8'),
      cert: readFileSync(certificates.clientCert, 'utf8'),
      key: readFileSync(certificates.clientKey, 'utf8'),
    };
  }, 20_000);
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });
  afterAll(() => directory.remove());

  async function serve(mutual: boolean): Promise<number> {
    const tls = serverTlsFrom('test', {
      'tls-cert': certificates.serverCert,
      'tls-key': certificates.serverKey,
      ...(mutual ? { 'tls-client-ca': certificates.caCert } : {}),
    });
    server = await startTestServer({ tls, http: { port: 0 } });
    return server.running.http!.port;
  }

  it('with --tls-cert and --tls-key the HTTP port speaks HTTPS, and refuses plaintext', { timeout: 20_000 }, async () => {
    const port = await serve(false);
    expect(await httpsGet(port, '/healthz', { ca: pem.ca })).toEqual({ status: 200, body: 'SERVING\n' });
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
  });

  it('over HTTPS with HTTP/2, Connect carries RecordRoute and RouteChat, and gRPC works on the HTTP port too', { timeout: 20_000 }, async () => {
    const port = await serve(false);
    const nodeOptions = { ca: pem.ca, servername: 'localhost' };
    const connect = createClient(RouteGuide, createConnectTransport({ baseUrl: `https://127.0.0.1:${port}`, httpVersion: '2', nodeOptions }));
    expect((await connect.getFeature(BERKSHIRE)).name).toMatch(/^Berkshire Valley/);
    const summary = await connect.recordRoute(
      (async function* route() {
        yield BERKSHIRE;
        yield { latitude: 1, longitude: 1 };
      })(),
    );
    expect(summary).toMatchObject({ pointCount: 2, featureCount: 1 });
    const here = { latitude: 5, longitude: 5 };
    await collect(connect.routeChat((async function* one() { yield { location: here, message: 'first' }; })()));
    const replayed = await collect(connect.routeChat((async function* two() { yield { location: here, message: 'second' }; })()));
    expect(replayed.map((note) => note.message)).toEqual(['first']);
    const grpc = createClient(RouteGuide, createGrpcTransport({ baseUrl: `https://127.0.0.1:${port}`, nodeOptions }));
    expect((await grpc.getFeature(BERKSHIRE)).name).toMatch(/^Berkshire Valley/);
  });

  it('with --tls-client-ca the HTTP port refuses a client without a certificate and serves one with a certificate the CA signed', { timeout: 20_000 }, async () => {
    const port = await serve(true);
    await expect(httpsGet(port, '/healthz', { ca: pem.ca })).rejects.toThrow();
    expect(await httpsGet(port, '/healthz', pem)).toEqual({ status: 200, body: 'SERVING\n' });
    const connect = createClient(
      RouteGuide,
      createConnectTransport({ baseUrl: `https://127.0.0.1:${port}`, httpVersion: '1.1', nodeOptions: { ...pem, servername: 'localhost' } }),
    );
    expect((await connect.getFeature(BERKSHIRE)).name).toMatch(/^Berkshire Valley/);
  });
});
