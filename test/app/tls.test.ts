import { credentials, status } from '@grpc/grpc-js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { serverTlsFrom } from '../../src/app/server-tls.js';
import { clientCredentialsFrom } from '../../src/cli/client-tls.js';
import { createRouteGuideClient, type RouteGuideClient } from '../../src/client/client.js';
import { createCertificates, type Certificates } from '../support/certificates.js';
import { startTestServer, temporaryDirectory, type TestServer } from '../support/servers.js';

const POINT = { latitude: 409146138, longitude: -746188906 };

describe('TLS and mTLS', () => {
  const directory = temporaryDirectory();
  let certificates: Certificates;
  let server: TestServer | undefined;
  const clients: RouteGuideClient[] = [];

  beforeAll(() => {
    certificates = createCertificates(directory.path);
  }, 20_000);
  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    await server?.stop();
    server = undefined;
  });
  afterAll(() => directory.remove());

  async function serveTls(mutual: boolean): Promise<TestServer> {
    const tls = serverTlsFrom('test', {
      'tls-cert': certificates.serverCert,
      'tls-key': certificates.serverKey,
      ...(mutual ? { 'tls-client-ca': certificates.caCert } : {}),
    });
    server = await startTestServer({ tls });
    return server;
  }

  function connect(target: string, files: { ca?: boolean; cert?: boolean } | 'plaintext'): RouteGuideClient {
    const channel =
      files === 'plaintext'
        ? credentials.createInsecure()
        : clientCredentialsFrom('test', {
            tls: true,
            'tls-ca': files.ca ? certificates.caCert : undefined,
            'tls-cert': files.cert ? certificates.clientCert : undefined,
            'tls-key': files.cert ? certificates.clientKey : undefined,
          });
    const client = createRouteGuideClient(target, { credentials: channel });
    clients.push(client);
    return client;
  }

  it('a client that trusts the CA connects over TLS', async () => {
    const { target } = await serveTls(false);
    const feature = await connect(target, { ca: true }).getFeature(POINT);
    expect(feature.name).not.toBe('');
  });

  it('a plaintext client is refused by a TLS server', async () => {
    const { target } = await serveTls(false);
    await expect(connect(target, 'plaintext').getFeature(POINT, { timeoutMs: 5000 })).rejects.toMatchObject({ code: status.UNAVAILABLE });
  });

  it('a client that does not trust the server certificate is refused', async () => {
    const { target } = await serveTls(false);
    await expect(connect(target, {}).getFeature(POINT, { timeoutMs: 5000 })).rejects.toMatchObject({ code: status.UNAVAILABLE });
  });

  it('under mTLS a client with a certificate from the client CA connects', async () => {
    const { target } = await serveTls(true);
    const feature = await connect(target, { ca: true, cert: true }).getFeature(POINT);
    expect(feature.name).not.toBe('');
  });

  it('under mTLS a client without a certificate is refused', async () => {
    const { target } = await serveTls(true);
    await expect(connect(target, { ca: true }).getFeature(POINT, { timeoutMs: 5000 })).rejects.toMatchObject({ code: status.UNAVAILABLE });
  });
});
