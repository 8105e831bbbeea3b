import { ConnectError } from '@connectrpc/connect';
import type { ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { StorageUnavailableError } from '../../src/storage/errors.js';
import { captureLog, type CapturedLog } from '../support/captured-log.js';
import { collect, startTestServer, type TestServer } from '../support/servers.js';
import { httpBase, httpClients, type Protocol } from '../support/http.js';

/** How a call ended: its status code (gRPC's numbering, which Connect shares) and message. */
interface Outcome {
  readonly code: number;
  readonly message: string;
}

async function outcome(call: () => Promise<unknown>): Promise<Outcome> {
  try {
    await call();
    return { code: 0, message: '' };
  } catch (error) {
    if (error instanceof ConnectError) return { code: error.code, message: error.rawMessage };
    const grpc = error as ServiceError;
    return { code: grpc.code, message: grpc.details };
  }
}

const TOO_LONG = 'x'.repeat(1025);

/** Inputs, each called the same way over gRPC and over HTTP, with the status both must end with. */
const CASES = [
  {
    name: 'GetFeature with a latitude out of range',
    code: 3,
    grpc: (s: TestServer) => s.client.getFeature({ latitude: 900000001, longitude: 0 }),
    http: (c: Clients) => c.guide.getFeature({ latitude: 900000001, longitude: 0 }),
  },
  {
    name: 'ListFeatures with a rectangle missing hi',
    code: 3,
    grpc: (s: TestServer) => collect(s.client.listFeatures({ lo: { latitude: 0, longitude: 0 }, hi: undefined })),
    http: (c: Clients) => collect(c.guide.listFeatures({ lo: { latitude: 0, longitude: 0 } })),
  },
  {
    name: 'NearestFeatures with a limit over 1000',
    code: 3,
    grpc: (s: TestServer) => s.client.nearestFeatures({ point: { latitude: 0, longitude: 0 }, limit: 1001 }),
    http: (c: Clients) => c.extensions.nearestFeatures({ point: { latitude: 0, longitude: 0 }, limit: 1001 }),
  },
  {
    name: 'NearestFeatures without a point and with a negative distance',
    code: 3,
    grpc: (s: TestServer) => s.client.nearestFeatures({ point: undefined, maxDistanceMeters: -1 }),
    http: (c: Clients) => c.extensions.nearestFeatures({ maxDistanceMeters: -1 }),
  },
  {
    name: 'ExportFeatures with a batch size over 65536',
    code: 3,
    grpc: (s: TestServer) => collect(s.client.exportFeatures({ rectangle: { lo: { latitude: 0, longitude: 0 }, hi: { latitude: 1, longitude: 1 } }, batchSize: 70000 })),
    http: (c: Clients) => collect(c.extensions.exportFeatures({ rectangle: { lo: { latitude: 0, longitude: 0 }, hi: { latitude: 1, longitude: 1 } }, batchSize: 70000 })),
  },
  {
    name: 'CountFeatures with 2000 columns',
    code: 3,
    grpc: (s: TestServer) => s.client.countFeatures({ rectangle: { lo: { latitude: 0, longitude: 0 }, hi: { latitude: 1, longitude: 1 } }, columns: 2000 }),
    http: (c: Clients) => c.extensions.countFeatures({ rectangle: { lo: { latitude: 0, longitude: 0 }, hi: { latitude: 1, longitude: 1 } }, columns: 2000 }),
  },
  {
    name: 'CountFeatures with more than 65536 cells',
    code: 3,
    grpc: (s: TestServer) => s.client.countFeatures({ rectangle: { lo: { latitude: 0, longitude: 0 }, hi: { latitude: 1, longitude: 1 } }, columns: 512, rows: 512 }),
    http: (c: Clients) => c.extensions.countFeatures({ rectangle: { lo: { latitude: 0, longitude: 0 }, hi: { latitude: 1, longitude: 1 } }, columns: 512, rows: 512 }),
  },
  {
    name: 'CountFeatures without a rectangle',
    code: 3,
    grpc: (s: TestServer) => s.client.countFeatures({ rectangle: undefined }),
    http: (c: Clients) => c.extensions.countFeatures({}),
  },
  {
    name: 'PostNote with a message over 1024 bytes',
    code: 3,
    grpc: (s: TestServer) => s.client.postNote({ location: { latitude: 1, longitude: 1 }, message: TOO_LONG }),
    http: (c: Clients) => c.extensions.postNote({ location: { latitude: 1, longitude: 1 }, message: TOO_LONG }),
  },
  {
    name: 'PostNote without a location',
    code: 3,
    grpc: (s: TestServer) => s.client.postNote({ location: undefined, message: 'hello' }),
    http: (c: Clients) => c.extensions.postNote({ message: 'hello' }),
  },
  {
    name: 'GetFeature at a point with no feature',
    code: 0,
    grpc: (s: TestServer) => s.client.getFeature({ latitude: 1, longitude: 1 }),
    http: (c: Clients) => c.guide.getFeature({ latitude: 1, longitude: 1 }),
  },
] as const;

type Clients = ReturnType<typeof httpClients>;

describe('an HTTP call and a gRPC call with the same input end the same way', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ http: { port: 0 } });
  });
  afterAll(() => server.stop());

  for (const protocol of ['connect-json', 'connect-binary', 'grpc-web'] satisfies Protocol[]) {
    for (const example of CASES) {
      it(`${example.name}: the same status code and message over ${protocol} as over gRPC`, async () => {
        const overGrpc = await outcome(() => example.grpc(server));
        const overHttp = await outcome(() => example.http(httpClients(httpBase(server), protocol)));
        expect(overGrpc.code).toBe(example.code);
        expect(overHttp).toEqual(overGrpc);
      });
    }
  }
});

/** Storage failures as a note write meets them, with the status both transports must end with. */
const STORAGE_FAILURES = [
  {
    name: 'storage unavailable (the database restarting)',
    error: () => new StorageUnavailableError('PostgreSQL at postgres://db/rg is unavailable: connection refused'),
    outcome: { code: 14, message: 'storage unavailable; try again' },
    bug: false,
  },
  {
    name: 'a bug in storage',
    error: () => new TypeError("Cannot read properties of undefined (reading 'rows')"),
    outcome: { code: 13, message: 'internal error' },
    bug: true,
  },
] as const;

describe('when storage fails, an HTTP call and a gRPC call end the same way', () => {
  let server: TestServer;
  let captured: CapturedLog;
  beforeAll(async () => {
    captured = captureLog();
    server = await startTestServer({ http: { port: 0 }, log: captured.log });
  });
  afterAll(() => server.stop());

  for (const protocol of ['connect-json', 'connect-binary', 'grpc-web'] satisfies Protocol[]) {
    for (const failure of STORAGE_FAILURES) {
      it(`PostNote with ${failure.name}: ${failure.outcome.code} over ${protocol} as over gRPC, logged as a bug only if it is one`, async () => {
        const addNotes = vi.spyOn(server.running.storage, 'addNotes').mockRejectedValue(failure.error());
        captured.lines.length = 0;
        try {
          const note = { location: { latitude: 1, longitude: 1 }, message: 'while storage fails' };
          const overGrpc = await outcome(() => server.client.postNote(note));
          const overHttp = await outcome(() => httpClients(httpBase(server), protocol).extensions.postNote(note));
          expect(overGrpc).toEqual(failure.outcome);
          expect(overHttp).toEqual(overGrpc);
          const bugs = captured.lines.filter((line) => line.msg === 'unexpected error in handler');
          // A bug is logged with its stack once per call; the client sees none of it.
          expect(bugs.map((line) => (line.err as { stack?: string } | undefined)?.stack?.startsWith('TypeError: Cannot read'))).toEqual(
            failure.bug ? [true, true] : [],
          );
        } finally {
          addNotes.mockRestore();
        }
      });
    }
  }
});
