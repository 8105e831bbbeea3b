import { readFileSync, writeFileSync } from 'node:fs';
import { createClient } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';
import { status } from '@grpc/grpc-js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { serverTlsFrom } from '../../src/app/server-tls.js';
import type { StartOptions } from '../../src/app/start-app.js';
import { createRouteGuideClient, type RouteGuideClient } from '../../src/client/client.js';
import { RouteGuide } from '../../src/gen/es/route_guide_pb.js';
import { RouteGuideExtensions } from '../../src/gen/es/route_guide_extensions_pb.js';
import { newToken } from '../../src/access/tokens.js';
import { accessOptions, bearer, outcomeOf, testClients, writeAuthFile } from '../support/access.js';
import { captureLog } from '../support/captured-log.js';
import { createCertificates, type Certificates } from '../support/certificates.js';
import { httpBase, httpClients } from '../support/http.js';
import { collect, startTestServer, temporaryDirectory, type TestServer } from '../support/servers.js';
import { eventually } from '../support/wait.js';

const BERKSHIRE = { latitude: 409146138, longitude: -746188906 };
const SOMEWHERE = { lo: { latitude: 0, longitude: 0 }, hi: { latitude: 10, longitude: 10 } };

describe('access', () => {
  const directory = temporaryDirectory();
  const { reader, writer } = testClients();
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

  async function serve(options: Partial<StartOptions>): Promise<TestServer> {
    server = await startTestServer(options);
    return server;
  }
  function connect(target: string, options: Parameters<typeof createRouteGuideClient>[1] = {}): RouteGuideClient {
    const client = createRouteGuideClient(target, options);
    clients.push(client);
    return client;
  }
  const note = (latitude: number, message = 'hello') => ({ location: { latitude, longitude: 1 }, message });

  describe('the auth file', () => {
    it('a token added to the file works within seconds, with no restart; one removed is refused', { timeout: 20_000 }, async () => {
      const path = writeAuthFile(directory.path, [reader], 'reload.auth');
      const running = await serve({ access: accessOptions({ 'auth-file': path }) });
      const newcomer = connect(running.target, { token: writer.token });
      expect((await outcomeOf(() => newcomer.postNote(note(1)))).code).toBe(status.UNAUTHENTICATED);
      writeAuthFile(directory.path, [writer], 'reload.auth');
      await eventually(async () => (await outcomeOf(() => newcomer.postNote(note(1)))).code === status.OK, 10_000, 'the new token to work');
      expect((await outcomeOf(() => connect(running.target, { token: reader.token }).getFeature(BERKSHIRE))).code).toBe(status.UNAUTHENTICATED);
    });

    it('a broken file keeps the one before in force, with one error line naming the bad line', { timeout: 20_000 }, async () => {
      const path = writeAuthFile(directory.path, [writer], 'broken.auth');
      const captured = captureLog('info');
      const running = await serve({ log: captured.log, access: accessOptions({ 'auth-file': path }) });
      writeFileSync(path, `${readFileSync(path, 'utf8')}mallory admin sha256:${'0'.repeat(64)}\n`);
      const broken = await captured.waitFor((line) => String(line.msg).startsWith('auth file line 3:'));
      expect(broken).toMatchObject({ level: 50, line: 3 });
      expect((await outcomeOf(() => connect(running.target, { token: writer.token }).postNote(note(2)))).code).toBe(status.OK);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(captured.lines.filter((line) => String(line.msg).startsWith('auth file line'))).toHaveLength(1);
    });

    it('no token ever appears in a log line or an error message, over gRPC or HTTP, known or not', { timeout: 20_000 }, async () => {
      const path = writeAuthFile(directory.path, [reader, writer], 'secret.auth');
      const captured = captureLog('trace');
      const running = await serve({ log: captured.log, http: { port: 0 }, metricsPort: 0, access: accessOptions({ 'auth-file': path }) });
      const unknown = newToken();
      const messages: string[] = [];
      for (const token of [reader.token!, writer.token!, unknown, `${reader.token!}x`]) {
        const client = connect(running.target, { token });
        messages.push((await outcomeOf(() => client.postNote(note(3)))).message, (await outcomeOf(() => client.getFeature(BERKSHIRE))).message);
        const { extensions } = httpClients(httpBase(running), 'connect-json');
        messages.push((await outcomeOf(() => extensions.postNote(note(3), { headers: { authorization: `Bearer ${token}` } }))).message);
      }
      const metrics = await (await fetch(`http://127.0.0.1:${running.running.metricsPort}/metrics`)).text();
      const seen = JSON.stringify(captured.lines) + messages.join('\n') + metrics;
      for (const token of [reader.token!, writer.token!, unknown]) expect(seen).not.toContain(token);
      expect(messages).toContain('unknown token; the server does not know it (ask its operator for a token)');
    });

    it('the call log and the metrics name the client: its name in the file, or anonymous', { timeout: 20_000 }, async () => {
      const path = writeAuthFile(directory.path, [reader, writer], 'names.auth');
      const captured = captureLog('info');
      const running = await serve({ log: captured.log, http: { port: 0 }, metricsPort: 0, access: accessOptions({ 'auth-file': path }) });
      await connect(running.target, { token: writer.token }).postNote(note(4));
      await outcomeOf(() => connect(running.target).postNote(note(4)));
      await httpClients(httpBase(running), 'connect-json').guide.getFeature(BERKSHIRE, { headers: { authorization: `Bearer ${reader.token!}` } });
      const calls = captured.lines.filter((line) => line.msg === 'call').map((line) => [line.method, line.client, line.code, line.protocol]);
      expect(calls).toEqual([
        ['/routeguide.extensions.v1.RouteGuideExtensions/PostNote', 'writer', 'OK', 'grpc'],
        ['/routeguide.extensions.v1.RouteGuideExtensions/PostNote', 'anonymous', 'UNAUTHENTICATED', 'grpc'],
        ['/routeguide.RouteGuide/GetFeature', 'reader', 'OK', 'connect'],
      ]);
      const metrics = await (await fetch(`http://127.0.0.1:${running.running.metricsPort}/metrics`)).text();
      expect(metrics).toContain('routeguide_client_calls_total{client="writer",grpc_service="routeguide.extensions.v1.RouteGuideExtensions",grpc_method="PostNote",grpc_code="OK"} 1');
      expect(metrics).toContain('routeguide_client_calls_total{client="anonymous",grpc_service="routeguide.extensions.v1.RouteGuideExtensions",grpc_method="PostNote",grpc_code="UNAUTHENTICATED"} 1');
      expect(metrics).toContain('routeguide_client_calls_total{client="reader",grpc_service="routeguide.RouteGuide",grpc_method="GetFeature",grpc_code="OK"} 1');
    });

    it('over HTTP/1.1, RecordRoute and RouteChat answer UNIMPLEMENTED first, even to a caller they would refuse', async () => {
      const path = writeAuthFile(directory.path, [reader], 'http1.auth');
      const running = await serve({ http: { port: 0 }, access: accessOptions({ 'auth-file': path, anonymous: 'none' }) });
      const { guide } = httpClients(httpBase(running), 'connect-json');
      const route = (async function* points() { yield BERKSHIRE; })();
      const notes = (async function* one() { yield note(5); })();
      expect((await outcomeOf(() => guide.recordRoute(route))).code).toBe(status.UNIMPLEMENTED);
      expect((await outcomeOf(() => collect(guide.routeChat(notes)))).code).toBe(status.UNIMPLEMENTED);
      expect((await outcomeOf(() => guide.getFeature(BERKSHIRE))).code).toBe(status.UNAUTHENTICATED);
      // What the map reads to ask for a token before it needs one.
      expect(await (await fetch(`${httpBase(running)}/access`)).json()).toEqual({ anonymous: 'none' });
    });
  });

  describe('client certificates', () => {
    const CLIENT_NAME = 'routeguide test client';
    function mutualTls() {
      return serverTlsFrom('test', { 'tls-cert': certificates.serverCert, 'tls-key': certificates.serverKey, 'tls-client-ca': certificates.caCert });
    }
    function pem() {
      return { ca: readFileSync(certificates.caCert), cert: readFileSync(certificates.clientCert), key: readFileSync(certificates.clientKey) };
    }

    it("a certificate's common name in the file gets that client's scope, over gRPC and HTTP; a token still decides when one is sent", { timeout: 20_000 }, async () => {
      const path = writeAuthFile(directory.path, [{ name: 'kiosk', scope: 'write', commonName: CLIENT_NAME }], 'cert.auth');
      const captured = captureLog('info');
      const running = await serve({ log: captured.log, tls: mutualTls(), http: { port: 0 }, access: accessOptions({ 'auth-file': path }) });
      const kiosk = connect(`localhost:${running.running.port}`, { tls: pem() });
      expect((await outcomeOf(() => kiosk.postNote(note(6)))).code).toBe(status.OK);
      expect(captured.lines.find((line) => line.msg === 'call')).toMatchObject({ client: 'kiosk', code: 'OK' });
      const withUnknownToken = connect(`localhost:${running.running.port}`, { tls: pem(), token: newToken() });
      expect((await outcomeOf(() => withUnknownToken.getFeature(BERKSHIRE))).code).toBe(status.UNAUTHENTICATED);
      const { ca, cert, key } = pem();
      const transport = createConnectTransport({ baseUrl: `https://localhost:${running.running.http!.port}`, httpVersion: '2', nodeOptions: { ca, cert, key } });
      expect((await outcomeOf(() => createClient(RouteGuideExtensions, transport).postNote(note(6)))).code).toBe(status.OK);
    });

    it('a certificate whose common name is not in the file is anonymous', { timeout: 20_000 }, async () => {
      const path = writeAuthFile(directory.path, [{ name: 'other', scope: 'write', commonName: 'someone else' }], 'other-cert.auth');
      const running = await serve({ tls: mutualTls(), access: accessOptions({ 'auth-file': path }) });
      const stranger = connect(`localhost:${running.running.port}`, { tls: pem() });
      expect((await outcomeOf(() => stranger.getFeature(BERKSHIRE))).code).toBe(status.OK);
      const refused = await outcomeOf(() => stranger.postNote(note(7)));
      expect(refused).toEqual({ code: status.UNAUTHENTICATED, message: 'PostNote needs a token with the write scope (authorization: Bearer TOKEN); anonymous callers may only read' });
    });
  });

  describe('quotas', () => {
    it('the write rate is per client: a client over it gets RESOURCE_EXHAUSTED saying the rate and when to retry, while another still writes', async () => {
      const path = writeAuthFile(directory.path, [writer], 'rate.auth');
      const running = await serve({ access: accessOptions({ 'auth-file': path, anonymous: 'write', 'write-rate': 1 }) });
      const named = connect(running.target, { token: writer.token });
      expect((await outcomeOf(() => named.postNote(note(10)))).code).toBe(status.OK);
      const refused = await outcomeOf(() => named.postNote(note(10)));
      expect(refused.code).toBe(status.RESOURCE_EXHAUSTED);
      expect(refused.message).toMatch(/^write rate exceeded for client writer: 1 note a second; retry in \d+ ms$/);
      expect((await outcomeOf(() => connect(running.target).postNote(note(11)))).code).toBe(status.OK);
      expect(await running.running.storage.notesAt(10, 1, 10)).toHaveLength(1);
    });

    it('over HTTP a Connect unary call over the rate is 429 with retry-after', async () => {
      const running = await serve({ http: { port: 0 }, access: accessOptions({ 'write-rate': 1 }) });
      const post = () =>
        fetch(`${httpBase(running)}/routeguide.extensions.v1.RouteGuideExtensions/PostNote`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(note(12)),
        });
      expect((await post()).status).toBe(200);
      const refused = await post();
      expect(refused.status).toBe(429);
      expect(refused.headers.get('retry-after')).toBe('1');
      expect(await refused.json()).toMatchObject({ code: 'resource_exhausted', message: expect.stringMatching(/^write rate exceeded for anonymous address 127\.0\.0\.1: 1 note a second; retry in \d+ ms$/) });
    });

    it('a RouteChat stream over its rate answers the notes before, then ends with RESOURCE_EXHAUSTED; those notes are kept (gRPC and Connect)', { timeout: 20_000 }, async () => {
      const tls = serverTlsFrom('test', { 'tls-cert': certificates.serverCert, 'tls-key': certificates.serverKey });
      const running = await serve({ tls, http: { port: 0 }, access: accessOptions({ 'write-rate': 3 }) });
      const ca = readFileSync(certificates.caCert);
      const five = (latitude: number) => Array.from({ length: 5 }, (_, i) => note(latitude, `note ${i}`));
      const grpcReplies: string[] = [];
      const overGrpc = await outcomeOf(async () => {
        for await (const reply of connect(`localhost:${running.running.port}`, { tls: { ca } }).routeChat(five(20))) grpcReplies.push(reply.message);
      });
      expect(overGrpc.code).toBe(status.RESOURCE_EXHAUSTED);
      expect(grpcReplies).toEqual(['note 0', 'note 0', 'note 1']);
      expect((await running.running.storage.notesAt(20, 1, 10)).map((stored) => stored.message)).toEqual(['note 0', 'note 1', 'note 2']);
      // The bucket refills at 3 a second: wait for it to be full again.
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const guide = createClient(RouteGuide, createConnectTransport({ baseUrl: `https://localhost:${running.running.http!.port}`, httpVersion: '2', nodeOptions: { ca } }));
      const connectReplies: string[] = [];
      const overConnect = await outcomeOf(async () => {
        for await (const reply of guide.routeChat((async function* notes() { yield* five(21); })())) connectReplies.push(reply.message);
      });
      expect(overConnect.code).toBe(status.RESOURCE_EXHAUSTED);
      expect(connectReplies).toEqual(['note 0', 'note 0', 'note 1']);
      expect(await running.running.storage.notesAt(21, 1, 10)).toHaveLength(3);
    });

    it('the stream limit is per client and holds across both ports; a stream that ends frees its slot', { timeout: 20_000 }, async () => {
      const path = writeAuthFile(directory.path, [reader], 'streams.auth');
      const running = await serve({ http: { port: 0 }, access: accessOptions({ 'auth-file': path, 'max-streams-per-client': 2 }) });
      const anonymous = connect(running.target);
      const watches = [new AbortController(), new AbortController()];
      const open = watches.map((controller) => collect(anonymous.watchNotes(SOMEWHERE, { signal: controller.signal })).catch(() => {}));
      await eventually(() => running.running.server.openStreams() === 2, 5000, 'two watches');
      const third = await outcomeOf(() => collect(anonymous.watchNotes(SOMEWHERE)));
      expect(third).toEqual({ code: status.RESOURCE_EXHAUSTED, message: 'too many open streams for anonymous address 127.0.0.1: at most 2; close one first' });
      const overHttp = await outcomeOf(() => collect(httpClients(httpBase(running), 'connect-json').extensions.exportFeatures({ rectangle: SOMEWHERE })));
      expect(overHttp.code).toBe(status.RESOURCE_EXHAUSTED);
      expect((await outcomeOf(() => collect(connect(running.target, { token: reader.token }).listFeatures(SOMEWHERE)))).code).toBe(status.OK);
      watches[0]!.abort();
      await open[0];
      await eventually(async () => (await outcomeOf(() => collect(anonymous.listFeatures(SOMEWHERE)))).code === status.OK, 5000, 'a slot to free');
      watches[1]!.abort();
      await open[1];
    });
  });
});
