import { readFileSync } from 'node:fs';
import http2 from 'node:http2';
import type { Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { serverTlsFrom } from '../../src/app/server-tls.js';
import type { StartOptions } from '../../src/app/start-app.js';
import { captureLog } from '../support/captured-log.js';
import { createCertificates, type Certificates } from '../support/certificates.js';
import { httpBase, httpClients } from '../support/http.js';
import { startTestServer, temporaryDirectory, type TestServer } from '../support/servers.js';
import { closedAfter, refusedCount, stalledConnection, stalledTlsConnection } from '../support/stalled-connections.js';
import { eventually } from '../support/wait.js';

const POST_NOTE = '/routeguide.extensions.v1.RouteGuideExtensions/PostNote';

describe('the HTTP port against connections that stall', () => {
  const directory = temporaryDirectory();
  let certificates: Certificates;
  let server: TestServer | undefined;
  const sockets: Socket[] = [];
  beforeAll(() => {
    certificates = createCertificates(directory.path);
  }, 20_000);
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.destroy();
    await server?.stop();
    server = undefined;
  });
  afterAll(() => directory.remove());

  async function serve(options: Partial<StartOptions>): Promise<number> {
    server = await startTestServer({ http: { port: 0 }, metricsPort: 0, ...options });
    return server.running.http!.port;
  }
  async function refused(reason: string): Promise<number> {
    return refusedCount(await (await fetch(`http://127.0.0.1:${server!.running.metricsPort}/metrics`)).text(), reason);
  }
  async function stalled(port: number, bytes = ''): Promise<Socket> {
    const socket = await stalledConnection(port, bytes);
    sockets.push(socket);
    return socket;
  }
  function tls() {
    return serverTlsFrom('test', { 'tls-cert': certificates.serverCert, 'tls-key': certificates.serverKey });
  }

  it('past --http-max-connections a new connection is closed at once and counted; one warning line', { timeout: 20_000 }, async () => {
    const captured = captureLog('warn');
    const port = await serve({ log: captured.log, limits: { httpMaxConnections: 2 } });
    await stalled(port);
    await stalled(port);
    for (let i = 0; i < 4; i++) expect(await closedAfter(await stalled(port))).toBeLessThan(1000);
    expect(await refused('http_max_connections')).toBe(4);
    expect(captured.lines.filter((line) => line.reason === 'http_max_connections')).toHaveLength(1);
  });

  it('HTTP/1.1 headers that do not arrive within --http-headers-timeout get 408 and the connection closes', { timeout: 20_000 }, async () => {
    const port = await serve({ limits: { httpHeadersTimeoutMs: 300 } });
    const partial = await stalled(port, 'GET /healthz HTTP/1.1\r\nHost: x\r\n');
    let answer = '';
    partial.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    const silent = closedAfter(await stalled(port));
    expect(await closedAfter(partial)).toBeLessThan(5000);
    expect(await silent).toBeLessThan(5000);
    expect(answer).toMatch(/^HTTP\/1\.1 408 Request Timeout/);
    expect(await refused('http_headers_timeout')).toBe(2);
  });

  it('over TLS, a handshake never begun and an HTTP/2 connection that opens no stream are closed after the headers timeout', { timeout: 20_000 }, async () => {
    const port = await serve({ tls: tls(), limits: { httpHeadersTimeoutMs: 300 } });
    const ca = readFileSync(certificates.caCert);
    const noHandshake = closedAfter(await stalled(port));
    const noStream = await stalledTlsConnection(port, ca, 'h2', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
    sockets.push(noStream);
    const http1 = await stalledTlsConnection(port, ca, 'http/1.1', 'GET / HTTP/1.1\r\n');
    sockets.push(http1);
    for (const ms of await Promise.all([noHandshake, closedAfter(noStream), closedAfter(http1)])) expect(ms).toBeLessThan(5000);
    expect(await refused('http_headers_timeout')).toBe(3);
  });

  it('an HTTP/1.1 body that does not arrive within --http-body-timeout ends its request; a watch, whose body came whole, stays open', { timeout: 20_000 }, async () => {
    const port = await serve({ limits: { httpBodyTimeoutMs: 300 } });
    const watching = new AbortController();
    const { extensions } = httpClients(httpBase(server!), 'connect-json');
    const watch = extensions.watchNotes({ lo: { latitude: 0, longitude: 0 }, hi: { latitude: 1, longitude: 1 } }, { signal: watching.signal })[Symbol.asyncIterator]().next();
    watch.catch(() => {});
    const slow = await stalled(port, `POST ${POST_NOTE} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"loc`);
    expect(await closedAfter(slow)).toBeLessThan(5000);
    expect(await refused('http_body_timeout')).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(server!.running.http!.openStreams()).toBe(1);
    watching.abort();
  });

  it('an HTTP/2 body that does not arrive within the body timeout has its stream reset; the connection serves on', { timeout: 20_000 }, async () => {
    const port = await serve({ tls: tls(), limits: { httpBodyTimeoutMs: 300 } });
    const session = http2.connect(`https://localhost:${port}`, { ca: readFileSync(certificates.caCert) });
    try {
      const slow = session.request({ ':method': 'POST', ':path': POST_NOTE, 'content-type': 'application/json' }, { endStream: false });
      slow.write('{"loc');
      const code = await new Promise<number>((resolve) => slow.once('close', () => resolve(slow.rstCode)));
      expect(code).toBe(http2.constants.NGHTTP2_CANCEL);
      expect(await refused('http_body_timeout')).toBe(1);
      const healthy = session.request({ ':path': '/healthz' });
      const status = await new Promise<number>((resolve) => healthy.once('response', (headers) => resolve(Number(headers[':status']))));
      healthy.resume();
      expect(status).toBe(200);
    } finally {
      session.destroy();
    }
  });

  it('a body declared larger than --max-message-size is refused before it is sent, with RESOURCE_EXHAUSTED', { timeout: 20_000 }, async () => {
    const port = await serve({ limits: { maxMessageBytes: 1024 } });
    const socket = await stalled(port, `POST ${POST_NOTE} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000000\r\n\r\n`);
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    expect(await closedAfter(socket)).toBeLessThan(5000);
    expect(answer).toMatch(/^HTTP\/1\.1 429 /);
    expect(answer).toContain('{"code":"resource_exhausted","message":"request body of 100000000 bytes is larger than the largest message, 1024 bytes (--max-message-size)"}');
    await eventually(async () => (await refused('http_body_too_large')) === 1, 5000, 'the refusal to be counted');
  });
});
