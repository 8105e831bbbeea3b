import { readFileSync } from 'node:fs';
import { connect as connectHttp2, type ClientHttp2Session } from 'node:http2';
import { gzipSync } from 'node:zlib';
import { createClient } from '@connectrpc/connect';
import { createConnectTransport } from '@connectrpc/connect-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverTlsFrom } from '../src/app/server-tls.js';
import { RouteGuideExtensions } from '../src/gen/es/route_guide_extensions_pb.js';
import { createCertificates } from './support/certificates.js';
import { captureLog } from './support/captured-log.js';
import { httpBase } from './support/http.js';
import { startTestServer, temporaryDirectory, type TestServer } from './support/servers.js';

/*
 * Binary request bodies that are not valid protobuf, over the HTTP port: the same INVALID_ARGUMENT,
 * naming the message type, as the gRPC port answers (test/bad-input.e2e.test.ts), in each protocol's
 * own error form, and nothing stored. (A binary PostNote that is not valid UTF-8: test/http-calls.test.ts.)
 */

/** A varint cut short: no message of any type. */
const TRUNCATED = [0x08];
const HERE = [0x0a, 0x04, 0x08, 0x09, 0x10, 0x09]; // RouteNote.location (9, 9)

/** One message in the envelope of Connect streams, gRPC-Web and gRPC: flags, 4-byte length, bytes. */
function envelope(bytes: readonly number[], flags = 0): Buffer {
  const header = Buffer.alloc(5);
  header[0] = flags;
  header.writeUInt32BE(bytes.length, 1);
  return Buffer.concat([header, Buffer.from(bytes)]);
}

/** The frames of an enveloped response body. */
function frames(body: Buffer): { flags: number; data: Buffer }[] {
  const found: { flags: number; data: Buffer }[] = [];
  for (let offset = 0; offset + 5 <= body.length; ) {
    const length = body.readUInt32BE(offset + 1);
    found.push({ flags: body[offset]!, data: body.subarray(offset + 5, offset + 5 + length) });
    offset += 5 + length;
  }
  return found;
}

/** A gRPC-Web call's status: from the headers (trailers-only) or from the trailer frame. */
function grpcWebStatus(headers: Headers, body: Buffer): { status: string | undefined; message: string | undefined } {
  const fields = new Map<string, string>();
  for (const [key, value] of headers) fields.set(key, value);
  for (const { flags, data } of frames(body)) {
    if ((flags & 0x80) === 0) continue;
    for (const line of data.toString().split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon > 0) fields.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
  }
  const message = fields.get('grpc-message');
  return { status: fields.get('grpc-status'), message: message === undefined ? undefined : decodeURIComponent(message) };
}

describe('malformed binary requests over HTTP/1.1', () => {
  const captured = captureLog('info');
  let server: TestServer;
  let base: string;
  beforeAll(async () => {
    server = await startTestServer({ http: { port: 0 }, log: captured.log });
    base = httpBase(server);
  });
  afterAll(() => server.stop());

  const post = (path: string, contentType: string, body: Uint8Array, headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': contentType, ...headers }, body });

  it('a Connect binary GetFeature that is not a Point is invalid_argument naming routeguide.Point, and is logged as INVALID_ARGUMENT', async () => {
    const response = await post('/routeguide.RouteGuide/GetFeature', 'application/proto', new Uint8Array(TRUNCATED));
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ code: 'invalid_argument', message: 'request: is not a valid routeguide.Point message (malformed protobuf)' });
    const line = await captured.waitFor((candidate) => candidate.msg === 'call' && candidate.method === '/routeguide.RouteGuide/GetFeature' && candidate.protocol === 'connect');
    expect(line).toMatchObject({ code: 'INVALID_ARGUMENT', details: 'request: is not a valid routeguide.Point message (malformed protobuf)' });
  });

  it('a gzip-compressed Connect binary body that is not a Point is invalid_argument too', async () => {
    const response = await post('/routeguide.RouteGuide/GetFeature', 'application/proto', gzipSync(Buffer.from(TRUNCATED)), { 'content-encoding': 'gzip' });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ code: 'invalid_argument', message: 'request: is not a valid routeguide.Point message (malformed protobuf)' });
  });

  it('a gRPC-Web GetFeature whose message is not a Point ends with status 3 (INVALID_ARGUMENT) naming routeguide.Point', async () => {
    const response = await post('/routeguide.RouteGuide/GetFeature', 'application/grpc-web+proto', envelope(TRUNCATED), { 'x-grpc-web': '1' });
    expect(grpcWebStatus(response.headers, Buffer.from(await response.arrayBuffer()))).toEqual({
      status: '3',
      message: 'request: is not a valid routeguide.Point message (malformed protobuf)',
    });
  });

  it('a Connect-streaming ListFeatures whose Rectangle is malformed ends its stream with invalid_argument naming routeguide.Rectangle', async () => {
    const response = await post('/routeguide.RouteGuide/ListFeatures', 'application/connect+proto', envelope(TRUNCATED));
    const [end, ...rest] = frames(Buffer.from(await response.arrayBuffer()));
    expect(rest).toEqual([]);
    expect(end!.flags & 0b10).toBe(0b10);
    expect(JSON.parse(end!.data.toString())).toEqual({
      error: { code: 'invalid_argument', message: 'request: is not a valid routeguide.Rectangle message (malformed protobuf)' },
    });
  });

  it('a well-formed binary request is still answered', async () => {
    // Point(409146138, -746188906)
    const berkshire = [0x08, 0x9a, 0xa6, 0x8c, 0xc3, 0x01, 0x10, 0x96, 0x9f, 0x98, 0x9c, 0xfd, 0xff, 0xff, 0xff, 0xff, 0x01];
    const response = await post('/routeguide.RouteGuide/GetFeature', 'application/proto', new Uint8Array(berkshire));
    expect(response.status).toBe(200);
    expect(Buffer.from(await response.arrayBuffer()).toString()).toContain('Berkshire Valley');
  });
});

describe('malformed messages in request streams over HTTP/2', () => {
  const directory = temporaryDirectory();
  let server: TestServer;
  let session: ClientHttp2Session;
  let base: string;
  let ca: string;
  beforeAll(async () => {
    const certificates = createCertificates(directory.path);
    const tls = serverTlsFrom('test', { 'tls-cert': certificates.serverCert, 'tls-key': certificates.serverKey });
    server = await startTestServer({ tls, http: { port: 0 } });
    base = `https://127.0.0.1:${server.running.http!.port}`;
    ca = readFileSync(certificates.caCert, 'utf8');
    session = connectHttp2(base, { ca, servername: 'localhost' });
  }, 20_000);
  afterAll(async () => {
    session?.close();
    await server?.stop();
    directory.remove();
  });

  /** One Connect streaming call with these request messages; resolves with its end-of-stream JSON. */
  function streamCall(path: string, messages: readonly number[][]): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const stream = session.request({ ':method': 'POST', ':path': path, 'content-type': 'application/connect+proto' });
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('error', reject);
      stream.on('end', () => {
        const end = frames(Buffer.concat(chunks)).find(({ flags }) => (flags & 0b10) !== 0);
        resolve(end === undefined ? undefined : JSON.parse(end.data.toString()));
      });
      stream.end(Buffer.concat(messages.map((message) => envelope(message))));
    });
  }

  it('RecordRoute: a malformed third point is invalid_argument naming point[2] and routeguide.Point, as over gRPC', { timeout: 20_000 }, async () => {
    const point = [0x08, 0x01, 0x10, 0x01];
    expect(await streamCall('/routeguide.RouteGuide/RecordRoute', [point, point, TRUNCATED])).toEqual({
      error: { code: 'invalid_argument', message: 'point[2]: is not a valid routeguide.Point message (malformed protobuf)' },
    });
  });

  it('RouteChat: a malformed note is invalid_argument naming note[0] and routeguide.RouteNote, and nothing is stored', { timeout: 20_000 }, async () => {
    expect(await streamCall('/routeguide.RouteGuide/RouteChat', [[...HERE, 0x12, 0x02, 0xff, 0xfe]])).toEqual({
      error: { code: 'invalid_argument', message: 'note[0]: is not a valid routeguide.RouteNote message (malformed protobuf)' },
    });
    // The gRPC port of this server speaks TLS too: ask over Connect.
    const extensions = createClient(RouteGuideExtensions, createConnectTransport({ baseUrl: base, httpVersion: '2', nodeOptions: { ca, servername: 'localhost' } }));
    const after = await extensions.postNote({ location: { latitude: 9, longitude: 9 }, message: 'valid' });
    expect(after.earlierNotes).toEqual([]);
  });
});
