import { readFileSync } from 'node:fs';
import { createClient, type Client, type Interceptor } from '@connectrpc/connect';
import { createConnectTransport, createGrpcWebTransport } from '@connectrpc/connect-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverTlsFrom } from '../../src/app/server-tls.js';
import { createRouteGuideClient, type RouteGuideClient } from '../../src/client/client.js';
import { RouteGuide } from '../../src/gen/es/route_guide_pb.js';
import { RouteGuideExtensions } from '../../src/gen/es/route_guide_extensions_pb.js';
import { accessOptions, bearer, outcomeOf, testClients, writeAuthFile } from '../support/access.js';
import { createCertificates, type Certificates } from '../support/certificates.js';
import { collect, startTestServer, temporaryDirectory, type TestServer } from '../support/servers.js';

/** What each call needs, as the issue lists it (written out here, not read from the server's table). */
const NEEDS = {
  GetFeature: 'read',
  ListFeatures: 'read',
  RecordRoute: 'read',
  NearestFeatures: 'read',
  CountFeatures: 'read',
  ExportFeatures: 'read',
  WatchNotes: 'read',
  RouteChat: 'write',
  PostNote: 'write',
} as const;
type Method = keyof typeof NEEDS;
const METHODS = Object.keys(NEEDS) as Method[];

const TRANSPORTS = ['grpc', 'connect-json', 'connect-binary', 'grpc-web'] as const;
type Transport = (typeof TRANSPORTS)[number];
const CALLERS = ['anonymous', 'reader', 'writer', 'unknown token'] as const;
type CallerKind = (typeof CALLERS)[number];
const ANONYMOUS_SCOPES = ['none', 'read', 'write'] as const;

const OK = 0;
const PERMISSION_DENIED = 7;
const UNAUTHENTICATED = 16;

/** The code a call must end with: the issue's rules, stated on their own. */
function expectedCode(method: Method, caller: CallerKind, anonymous: (typeof ANONYMOUS_SCOPES)[number]): number {
  const needs = NEEDS[method];
  if (caller === 'unknown token') return UNAUTHENTICATED;
  if (caller === 'writer') return OK;
  if (caller === 'reader') return needs === 'read' ? OK : PERMISSION_DENIED;
  return anonymous === 'write' || (anonymous === 'read' && needs === 'read') ? OK : UNAUTHENTICATED;
}

const BERKSHIRE = { latitude: 409146138, longitude: -746188906 };
const NEW_JERSEY = { lo: { latitude: 400000000, longitude: -750000000 }, hi: { latitude: 420000000, longitude: -730000000 } };

/** Every method, each run to its end, over one transport as one caller. */
type Calls = Record<Method, () => Promise<unknown>>;

let spot = 0;
/** A point no other case uses, so that each watch sees only its own notes. */
function freshPoint(): { latitude: number; longitude: number } {
  spot++;
  return { latitude: 100_000 + spot, longitude: 200_000 + spot };
}

/**
 * WatchNotes as one step: opens the watch, then posts (as `feed`) at its point until it hears one
 * note (it was admitted) or fails (it was refused). A watch never ends by itself.
 */
async function watchOnce(open: (point: { latitude: number; longitude: number }, signal: AbortSignal) => AsyncIterable<unknown>, feed: (point: { latitude: number; longitude: number }) => Promise<unknown>): Promise<void> {
  const here = freshPoint();
  const controller = new AbortController();
  const first = open(here, controller.signal)[Symbol.asyncIterator]().next();
  let settled = false;
  void first.then(
    () => (settled = true),
    () => (settled = true),
  );
  try {
    while (!settled) {
      await feed(here);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await first;
  } finally {
    controller.abort();
  }
}

function grpcCalls(client: RouteGuideClient, feed: (point: { latitude: number; longitude: number }) => Promise<unknown>): Calls {
  return {
    GetFeature: () => client.getFeature(BERKSHIRE),
    ListFeatures: () => collect(client.listFeatures(NEW_JERSEY)),
    RecordRoute: () => client.recordRoute([BERKSHIRE, { latitude: 1, longitude: 1 }]),
    NearestFeatures: () => client.nearestFeatures({ point: BERKSHIRE, limit: 3 }),
    CountFeatures: () => client.countFeatures({ rectangle: NEW_JERSEY, columns: 4, rows: 4 }),
    ExportFeatures: () => collect(client.exportFeatures({ rectangle: NEW_JERSEY })),
    WatchNotes: () => watchOnce((point, signal) => client.watchNotes({ lo: point, hi: point }, { signal }), feed),
    RouteChat: () => collect(client.routeChat([{ location: freshPoint(), message: 'chat' }])),
    PostNote: () => client.postNote({ location: freshPoint(), message: 'post' }),
  };
}

function connectCalls(
  guide: Client<typeof RouteGuide>,
  extensions: Client<typeof RouteGuideExtensions>,
  feed: (point: { latitude: number; longitude: number }) => Promise<unknown>,
): Calls {
  const stream = async function* <T>(items: T[]) {
    yield* items;
  };
  return {
    GetFeature: () => guide.getFeature(BERKSHIRE),
    ListFeatures: () => collect(guide.listFeatures(NEW_JERSEY)),
    RecordRoute: () => guide.recordRoute(stream([BERKSHIRE, { latitude: 1, longitude: 1 }])),
    NearestFeatures: () => extensions.nearestFeatures({ point: BERKSHIRE, limit: 3 }),
    CountFeatures: () => extensions.countFeatures({ rectangle: NEW_JERSEY, columns: 4, rows: 4 }),
    ExportFeatures: () => collect(extensions.exportFeatures({ rectangle: NEW_JERSEY })),
    WatchNotes: () => watchOnce((point, signal) => extensions.watchNotes({ lo: point, hi: point }, { signal }), feed),
    RouteChat: () => collect(guide.routeChat(stream([{ location: freshPoint(), message: 'chat' }]))),
    PostNote: () => extensions.postNote({ location: freshPoint(), message: 'post' }),
  };
}

describe('every call over every protocol, by every kind of caller, under each --anonymous', () => {
  const directory = temporaryDirectory();
  const { reader, writer } = testClients();
  const tokens: Record<CallerKind, string | undefined> = { anonymous: undefined, reader: reader.token, writer: writer.token, 'unknown token': 'rg_not-a-token-the-server-knows' };
  let certificates: Certificates;
  let ca: string;
  beforeAll(() => {
    certificates = createCertificates(directory.path);
    ca = readFileSync(certificates.caCert, 'utf8');
  }, 20_000);
  afterAll(() => directory.remove());

  for (const anonymous of ANONYMOUS_SCOPES) {
    describe(`--anonymous ${anonymous}`, () => {
      let server: TestServer;
      const grpcClients: RouteGuideClient[] = [];
      let feeder: RouteGuideClient;
      beforeAll(async () => {
        const authFile = writeAuthFile(directory.path, [reader, writer], `clients-${anonymous}.auth`);
        const tls = serverTlsFrom('test', { 'tls-cert': certificates.serverCert, 'tls-key': certificates.serverKey });
        server = await startTestServer({ tls, http: { port: 0 }, access: accessOptions({ 'auth-file': authFile, anonymous }) });
        feeder = createRouteGuideClient(`localhost:${server.running.port}`, { tls: { ca }, token: writer.token });
        grpcClients.push(feeder);
      }, 20_000);
      afterAll(async () => {
        for (const client of grpcClients) client.close();
        await server.stop();
      });

      const feed = (point: { latitude: number; longitude: number }) => feeder.postNote({ location: point, message: 'to the watch' });

      function callsOf(transport: Transport, caller: CallerKind): Calls {
        const token = tokens[caller];
        if (transport === 'grpc') {
          const client = createRouteGuideClient(`localhost:${server.running.port}`, { tls: { ca }, token });
          grpcClients.push(client);
          return grpcCalls(client, feed);
        }
        const interceptors: Interceptor[] = token === undefined ? [] : [bearer(token)];
        const options = { baseUrl: `https://localhost:${server.running.http!.port}`, httpVersion: '2' as const, nodeOptions: { ca }, interceptors };
        const connection =
          transport === 'grpc-web'
            ? createGrpcWebTransport(options)
            : createConnectTransport({ ...options, useBinaryFormat: transport === 'connect-binary' });
        return connectCalls(createClient(RouteGuide, connection), createClient(RouteGuideExtensions, connection), feed);
      }

      for (const transport of TRANSPORTS) {
        for (const caller of CALLERS) {
          it(`over ${transport}, ${caller === 'anonymous' ? 'an anonymous caller' : `a caller with ${caller === 'unknown token' ? 'an unknown token' : `the ${caller}'s token`}`} gets its answer or its refusal from each call`, { timeout: 30_000 }, async () => {
            const calls = callsOf(transport, caller);
            const got: Record<string, number> = {};
            const wanted: Record<string, number> = {};
            for (const method of METHODS) {
              const outcome = await outcomeOf(calls[method]);
              got[method] = outcome.code;
              wanted[method] = expectedCode(method, caller, anonymous);
              const token = tokens[caller];
              if (token !== undefined) expect(outcome.message).not.toContain(token);
            }
            expect(got).toEqual(wanted);
          });
        }
      }
    });
  }
});
