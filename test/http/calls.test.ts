import { Code as ConnectCode, ConnectError } from '@connectrpc/connect';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { captureLog } from '../support/captured-log.js';
import { collect, startTestServer, type TestServer } from '../support/servers.js';
import { httpBase, httpClients } from '../support/http.js';
import { eventually } from '../support/wait.js';

const BERKSHIRE = { latitude: 409146138, longitude: -746188906 };
const NEW_JERSEY = { lo: { latitude: 400000000, longitude: -750000000 }, hi: { latitude: 420000000, longitude: -730000000 } };

async function failure(call: () => Promise<unknown>): Promise<ConnectError> {
  try {
    await call();
  } catch (error) {
    return ConnectError.from(error);
  }
  throw new Error('the call succeeded');
}

describe('RouteGuide and its extensions over the HTTP port', () => {
  const captured = captureLog('info');
  let server: TestServer;
  let base: string;
  beforeAll(async () => {
    server = await startTestServer({ http: { port: 0 }, metricsPort: 0, log: captured.log });
    base = httpBase(server);
  });
  afterAll(() => server.stop());

  for (const protocol of ['connect-json', 'grpc-web'] as const) {
    it(`RecordRoute and RouteChat over HTTP/1.1 (${protocol}) answer UNIMPLEMENTED naming the gRPC port`, async () => {
      const { guide } = httpClients(base, protocol);
      const record = await failure(() => guide.recordRoute((async function* route() { yield BERKSHIRE; })()));
      expect(record.code).toBe(ConnectCode.Unimplemented);
      expect(record.rawMessage).toContain(`gRPC on port ${server.running.port}`);
      const chat = await failure(() => collect(guide.routeChat((async function* notes() { yield { location: BERKSHIRE, message: 'hi' }; })())));
      expect(chat.code).toBe(ConnectCode.Unimplemented);
      expect(chat.rawMessage).toContain(`gRPC on port ${server.running.port}`);
      // Answered before connect-node sees it, and still logged.
      await captured.waitFor((line) => line.method === '/routeguide.RouteGuide/RouteChat' && line.protocol === protocol.replace('-json', '') && line.code === 'UNIMPLEMENTED');
    });
  }

  it('NearestFeatures over Connect answers what it answers over gRPC', async () => {
    const { extensions } = httpClients(base, 'connect-json');
    const request = { point: BERKSHIRE, limit: 5, maxDistanceMeters: 50_000, namedOnly: true };
    const overHttp = await extensions.nearestFeatures(request);
    const overGrpc = await server.client.nearestFeatures(request);
    expect(overHttp.features.map(({ feature, distanceMeters }) => ({ name: feature?.name, distanceMeters }))).toEqual(
      overGrpc.features.map(({ feature, distanceMeters }) => ({ name: feature?.name, distanceMeters })),
    );
  });

  for (const protocol of ['connect-json', 'connect-binary', 'grpc-web'] as const) {
    it(`CountFeatures over ${protocol} answers what it answers over gRPC, the total as a uint64`, async () => {
      const { extensions } = httpClients(base, protocol);
      const request = { rectangle: NEW_JERSEY, columns: 5, rows: 3 };
      const overHttp = await extensions.countFeatures(request);
      const overGrpc = await server.client.countFeatures(request);
      expect(overGrpc.total).toBeGreaterThan(0);
      expect({ counts: overHttp.counts, total: overHttp.total, columns: overHttp.columns, rows: overHttp.rows }).toEqual({ ...overGrpc, total: BigInt(overGrpc.total) });
    });
  }

  it('ExportFeatures over Connect streams every feature of the rectangle in batches of at most batch_size', async () => {
    const { extensions } = httpClients(base, 'connect-binary');
    const batches = await collect(extensions.exportFeatures({ rectangle: NEW_JERSEY, batchSize: 7 }));
    const listed = await collect(server.client.listFeatures(NEW_JERSEY));
    expect(batches.every((batch) => batch.features.length >= 1 && batch.features.length <= 7)).toBe(true);
    expect(batches.flatMap((batch) => batch.features.map((feature) => feature.name))).toEqual(listed.map((feature) => feature.name));
  });

  it('a note posted over gRPC reaches a WatchNotes over Connect, and one posted over Connect replays the earlier note', async () => {
    const { extensions } = httpClients(base, 'connect-json');
    const here = { latitude: 123456789, longitude: 23456789 };
    const controller = new AbortController();
    const watch = extensions.watchNotes({ lo: here, hi: here }, { signal: controller.signal })[Symbol.asyncIterator]();
    const first = watch.next();
    await eventually(() => server.running.http!.openStreams() > 0, 5000, 'the watch to open');
    await server.client.postNote({ location: here, message: 'over gRPC' });
    expect((await first).value?.message).toBe('over gRPC');
    controller.abort();
    const posted = await extensions.postNote({ location: here, message: 'over Connect' });
    expect(posted.earlierNotes.map((note) => note.message)).toEqual(['over gRPC']);
  });

  it('a binary PostNote whose message is not valid UTF-8 is refused, and the note is not stored', async () => {
    const here = [0x0a, 0x04, 0x08, 0x07, 0x10, 0x07]; // location (7, 7)
    const badText = [0x12, 0x02, 0xff, 0xfe];
    const response = await fetch(`${base}/routeguide.extensions.v1.RouteGuideExtensions/PostNote`, {
      method: 'POST',
      headers: { 'content-type': 'application/proto' },
      body: new Uint8Array([...here, ...badText]),
    });
    // connect-es answers a request it cannot parse with its own INTERNAL "parse binary: ..."; the service never sees it.
    expect(response.ok).toBe(false);
    const after = await server.client.postNote({ location: { latitude: 7, longitude: 7 }, message: 'valid' });
    expect(after.earlierNotes).toEqual([]);
  });

  it('a JSON PostNote whose message holds a lone surrogate is INVALID_ARGUMENT, and the note is not stored', async () => {
    const response = await fetch(`${base}/routeguide.extensions.v1.RouteGuideExtensions/PostNote`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"location": {"latitude": 8, "longitude": 8}, "message": "half \\ud800 a pair"}',
    });
    // protobuf-es refuses it while parsing the JSON, naming the field.
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ code: 'invalid_argument', message: expect.stringContaining('routeguide.RouteNote.message') });
    const after = await server.client.postNote({ location: { latitude: 8, longitude: 8 }, message: 'valid' });
    expect(after.earlierNotes).toEqual([]);
  });

  it("a WatchNotes whose Connect deadline passes ends with DEADLINE_EXCEEDED", async () => {
    const { extensions } = httpClients(base, 'connect-json');
    const error = await failure(() => collect(extensions.watchNotes(NEW_JERSEY, { timeoutMs: 200 })));
    expect(error.code).toBe(ConnectCode.DeadlineExceeded);
  });

  it('logs one call line per HTTP call, with its protocol, and counts it in the metrics by protocol', async () => {
    await httpClients(base, 'connect-json').guide.getFeature(BERKSHIRE);
    await httpClients(base, 'grpc-web').guide.getFeature({ latitude: 900000001, longitude: 0 }).catch(() => undefined);
    await server.client.getFeature(BERKSHIRE);
    const line = await captured.waitFor(
      (candidate) => candidate.msg === 'call' && candidate.protocol === 'grpc-web' && candidate.method === '/routeguide.RouteGuide/GetFeature',
    );
    expect(line).toMatchObject({ method: '/routeguide.RouteGuide/GetFeature', code: 'INVALID_ARGUMENT', received: 1, sent: 0, peer: expect.stringMatching(/^127\.0\.0\.1:\d+$/) });
    const text = await (await fetch(`http://127.0.0.1:${server.running.metricsPort}/metrics`)).text();
    for (const [protocol, code] of [['connect', 'OK'], ['grpc-web', 'INVALID_ARGUMENT'], ['grpc', 'OK']]) {
      expect(text).toMatch(new RegExp(`grpc_server_handled_total\\{[^}]*grpc_method="GetFeature"[^}]*protocol="${protocol}"[^}]*grpc_code="${code}"\\} [1-9]`));
    }
  });
});

describe('limits on the HTTP port', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  it('a request over --max-message-size is RESOURCE_EXHAUSTED, as over gRPC', async () => {
    server = await startTestServer({ http: { port: 0 }, limits: { maxMessageBytes: 1024 } });
    const note = { location: BERKSHIRE, message: 'é'.repeat(600) };
    const overHttp = await failure(() => httpClients(httpBase(server!), 'connect-binary').extensions.postNote(note));
    expect(overHttp.code).toBe(ConnectCode.ResourceExhausted);
    await expect(server.client.postNote(note)).rejects.toMatchObject({ code: ConnectCode.ResourceExhausted });
  });
});
