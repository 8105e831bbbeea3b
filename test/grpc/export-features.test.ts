import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { credentials, Metadata, status, type ClientReadableStream, type ServiceError } from '@grpc/grpc-js';
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Feature, Rectangle } from '../../src/gen/messages/route_guide.js';
import { RouteGuideExtensionsClient } from '../../src/gen/grpc-js/route_guide_extensions.js';
import { ExportFeaturesRequest, FeatureBatch } from '../../src/gen/messages/route_guide_extensions.js';
import { syntheticFeatures } from '../../src/feature-files/synthetic-features.js';
import type { FeatureRecord } from '../../src/geo/feature.js';
import { encodeFeatureBatches } from '../../src/grpc/feature-batch-encoder.js';
import { FeatureIndex, type Box } from '../../src/index/feature-index.js';
import { openStorage } from '../../src/storage/open-storage.js';
import { runCli, runIntoClosingPipe } from '../support/cli.js';
import { RawClient } from '../support/raw-client.js';
import { startTestServer, temporaryDirectory, type TestServer } from '../support/servers.js';
import { openStalledCall } from '../support/stalled-client.js';
import { spyOnTraversals, trackIndexWalks } from '../support/traversal-spy.js';
import { eventually } from '../support/wait.js';

const EXPORT_PATH = '/routeguide.extensions.v1.RouteGuideExtensions/ExportFeatures';
const WORLD: Rectangle = { lo: { latitude: -900_000_000, longitude: -1_800_000_000 }, hi: { latitude: 900_000_000, longitude: 1_800_000_000 } };

const byPoint = (a: Feature, b: Feature): number =>
  a.location!.latitude - b.location!.latitude || a.location!.longitude - b.location!.longitude;
const sorted = (features: Feature[]): Feature[] => [...features].sort(byPoint);
const toFeature = ({ name, latitude, longitude }: FeatureRecord): Feature => ({ name, location: { latitude, longitude } });

/** Runs ExportFeatures with the generated client; resolves with the batches, or rejects with the status. */
function exportBatches(client: RouteGuideExtensionsClient, request: Partial<ExportFeaturesRequest>): Promise<FeatureBatch[]> {
  return new Promise((resolve, reject) => {
    const call = client.exportFeatures(ExportFeaturesRequest.fromPartial(request));
    const batches: FeatureBatch[] = [];
    call.on('data', (batch: FeatureBatch) => batches.push(batch));
    call.on('error', reject);
    call.on('end', () => resolve(batches));
  });
}

/**
 * The data the property tests run on: clusters, features on the limits of the world and on a coarse
 * grid (so that rectangle edges fall on them), unnamed ones, and names a CSV must quote.
 */
function seedFeatures(): FeatureRecord[] {
  const features = new Map<string, FeatureRecord>();
  const add = (name: string, latitude: number, longitude: number) => features.set(`${latitude},${longitude}`, { name, latitude, longitude });
  for (const feature of syntheticFeatures(2_000, 5)) add(feature.name, feature.latitude, feature.longitude);
  for (const latitude of [-900_000_000, 0, 900_000_000]) {
    for (const longitude of [-1_800_000_000, 0, 1_800_000_000]) add(`corner ${latitude} ${longitude}`, latitude, longitude);
  }
  for (let i = -9; i <= 9; i++) add(i % 3 === 0 ? '' : `grid ${i}`, i * 100_000_000, i * 200_000_000);
  const awkward = ['comma, in "quotes"', 'line\nbreak', 'carriage\r\nreturn', 'Zürich ☕ 東京 🚲', ' padded ', '"', ''];
  awkward.forEach((name, i) => add(name, 1 + i, -1 - i));
  add('tiny', 1, -1_799_999_999);
  return [...features.values()];
}

const e7Latitude = fc.integer({ min: -900_000_000, max: 900_000_000 });
const e7Longitude = fc.integer({ min: -1_800_000_000, max: 1_800_000_000 });

describe('ExportFeatures over a real connection', () => {
  const directory = temporaryDirectory();
  const features = seedFeatures();
  let server: TestServer;
  let extensions: RouteGuideExtensionsClient;

  beforeAll(async () => {
    const seedFile = join(directory.path, 'seed.json');
    writeFileSync(seedFile, JSON.stringify(features.map(({ name, latitude, longitude }) => ({ location: { latitude, longitude }, name }))));
    server = await startTestServer({ seedFile });
    extensions = new RouteGuideExtensionsClient(server.target, credentials.createInsecure());
  }, 60_000);

  afterAll(async () => {
    extensions?.close();
    await server?.stop();
    directory.remove();
  });

  it('returns the same features as ListFeatures for random rectangles, in batches of at most batch_size', async () => {
    const corner = fc.oneof(
      fc.record({ latitude: e7Latitude, longitude: e7Longitude }),
      fc.constantFrom(...features.map(({ latitude, longitude }) => ({ latitude, longitude }))),
    );
    const rectangle = fc.oneof(fc.record({ lo: corner, hi: corner }), fc.constant(WORLD));
    await fc.assert(
      fc.asyncProperty(rectangle, fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 3_000 })), async (rectangle, batchSize) => {
        const listed: Feature[] = [];
        for await (const feature of server.client.listFeatures(rectangle)) listed.push(feature);
        const batches = await exportBatches(extensions, { rectangle, batchSize });
        for (const batch of batches) {
          expect(batch.features.length).toBeGreaterThan(0);
          if (batchSize > 0) expect(batch.features.length).toBeLessThanOrEqual(batchSize);
        }
        expect(sorted(batches.flatMap((batch) => batch.features))).toEqual(sorted(listed));
      }),
      { numRuns: 150 },
    );
  }, 120_000);

  it('exports the whole world: every feature, unnamed ones and those on the limits included', async () => {
    const batches = await exportBatches(extensions, { rectangle: WORLD });
    expect(sorted(batches.flatMap((batch) => batch.features))).toEqual(sorted(features.map(toFeature)));
  });

  it('a batch_size over 65536 is INVALID_ARGUMENT; 65536 is allowed', async () => {
    await expect(exportBatches(extensions, { rectangle: WORLD, batchSize: 65_537 })).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: expect.stringContaining('65537'),
    });
    const batches = await exportBatches(extensions, { rectangle: WORLD, batchSize: 65_536 });
    expect(batches).toHaveLength(1);
  });

  it('a request without a rectangle is INVALID_ARGUMENT', async () => {
    await expect(exportBatches(extensions, { batchSize: 10 })).rejects.toMatchObject({
      code: status.INVALID_ARGUMENT,
      details: expect.stringContaining('rectangle'),
    });
  });

  describe('routeguide client export', { timeout: 60_000 }, () => {
    it.each([
      ['json', 'json'],
      ['csv', 'csv'],
      ['geojson', 'geojson'],
      [undefined, 'json'],
    ] as const)('--format %s writes a seed file that routeguide seed reads back to the same E7 features', async (format, extension) => {
      const args = ['client', 'export', '-90', '-180', '90', '180', '--target', server.target, ...(format ? ['--format', format] : [])];
      const exported = await runCli(args);
      expect(exported.stderr).toBe('');
      expect(exported.code).toBe(0);
      const file = join(directory.path, `export-${format ?? 'default'}.${extension}`);
      writeFileSync(file, exported.stdout);
      const database = join(directory.path, `export-${format ?? 'default'}.db`);
      const seeded = await runCli(['seed', '--storage', `sqlite:${database}`, file]);
      expect(seeded.stderr).toBe('');
      expect(seeded.code).toBe(0);

      const storage = await openStorage(`sqlite:${database}`);
      const stored: FeatureRecord[] = [];
      try {
        for await (const batch of storage.scanFeatures()) stored.push(...batch);
      } finally {
        await storage.close();
      }
      expect(sorted(stored.map(toFeature))).toEqual(sorted(features.map(toFeature)));
    });

    it('exports a rectangle only, its edges included', async () => {
      const exported = await runCli(['client', 'export', '0.0000001', '-0.0000007', '0.0000007', '-0.0000001', '--target', server.target, '--format', 'csv']);
      expect(exported.code).toBe(0);
      const rows = exported.stdout.trimEnd().split('\n');
      expect(rows[0]).toBe('name,latitude,longitude');
      // The awkward names sit at (1, -1) to (7, -7) E7; the quoted ones span several lines.
      expect(exported.stdout).toContain('"comma, in ""quotes""",0.0000001,-0.0000001\n');
      expect(exported.stdout).toContain('"line\nbreak",0.0000002,-0.0000002\n');
      expect(exported.stdout).toContain(',0.0000007,-0.0000007\n');
    });

    it('into a pipe whose reader closes after the first line, stops quietly with exit 0', async () => {
      const { received, stderr, code } = await runIntoClosingPipe(['client', 'export', '-90', '-180', '90', '180', '--target', server.target]);
      expect(received.startsWith('[\n{"location":')).toBe(true);
      expect(stderr).toBe('');
      expect(code).toBe(0);
    });
  });
});

describe('ExportFeatures under a byte cap', () => {
  const CAP = 2_000;
  let server: TestServer;
  let raw: RawClient;

  beforeAll(async () => {
    server = await startTestServer({ empty: true, limits: { maxMessageBytes: CAP } });
    server.running.index.load([...syntheticFeatures(5_000, 3)]);
    raw = new RawClient(server.target);
  }, 60_000);

  afterAll(async () => {
    raw?.close();
    await server?.stop();
  });

  it('never sends a batch over min(--max-message-size, 4 MiB) nor over batch_size, and cuts one short only at the cap', async () => {
    for (const batchSize of [0, 7, 1_000]) {
      const outcome = await raw.serverStream(EXPORT_PATH, Buffer.from(ExportFeaturesRequest.encode({ rectangle: WORLD, batchSize }).finish()));
      expect(outcome.code).toBe(status.OK);
      const batches = outcome.responses.map((bytes) => ({ bytes: bytes.length, features: FeatureBatch.decode(bytes).features }));
      expect(batches.reduce((sum, batch) => sum + batch.features.length, 0)).toBe(5_000);
      batches.forEach((batch, i) => {
        expect(batch.bytes).toBeLessThanOrEqual(CAP);
        if (batchSize > 0) expect(batch.features.length).toBeLessThanOrEqual(batchSize);
        const next = batches[i + 1]?.features[0];
        if (next !== undefined && batch.features.length !== batchSize) {
          // Short of batch_size only because the next feature would have come within a few bytes of the cap.
          const nextEntry = FeatureBatch.encode({ features: [next] }).finish().length;
          expect(batch.bytes + nextEntry).toBeGreaterThan(CAP - 64);
        }
      });
    }
  });
});

describe('the batch encoder', () => {
  const int32 = fc.oneof(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.constantFrom(0, -1, 1, 127, 128, -(2 ** 31), 2 ** 31 - 1));
  const name = fc.oneof(fc.constant(''), fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme', maxLength: 300 }), fc.string({ minLength: 40, maxLength: 200 }));
  const located = fc.record({ name, location: fc.record({ latitude: int32, longitude: int32 }) });
  const feature = fc.oneof(located, fc.record({ name, location: fc.constant(undefined) }));

  /** Checks that `batches` are the generated encoding of consecutive runs of `features`, within the limits. */
  function expectGeneratedBatches(batches: Buffer[], features: Feature[], batchSize: number, maxBytes: number): void {
    let offset = 0;
    batches.forEach((bytes, i) => {
      const count = FeatureBatch.decode(bytes).features.length;
      const run = features.slice(offset, offset + count);
      offset += count;
      expect(bytes).toEqual(Buffer.from(FeatureBatch.encode({ features: run }).finish()));
      expect(count).toBeGreaterThan(0);
      expect(count).toBeLessThanOrEqual(batchSize);
      if (count > 1) expect(bytes.length).toBeLessThanOrEqual(maxBytes);
      if (i < batches.length - 1 && count < batchSize) {
        const next = FeatureBatch.encode({ features: [features[offset]!] }).finish().length;
        expect(bytes.length + next).toBeGreaterThan(maxBytes);
      }
    });
    expect(offset).toBe(features.length);
  }

  it('writes what the generated FeatureBatch.encode writes, batch by batch, within batch_size and the byte cap', () => {
    fc.assert(
      fc.property(fc.array(feature, { maxLength: 60 }), fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 3_000 }), (features, batchSize, maxBytes) => {
        expectGeneratedBatches([...encodeFeatureBatches(features, batchSize, maxBytes)], features, batchSize, maxBytes);
      }),
      { numRuns: 2_000 },
    );
  });

  it('rejects a coordinate that is not an int32, as the generated encoder does', () => {
    expect(() => [...encodeFeatureBatches([{ name: 'x', location: { latitude: 1.5, longitude: 0 } }], 10, 1000)]).toThrow();
  });
});

describe('FeatureIndex.visitWithin', () => {
  const features = [...syntheticFeatures(3_000, 9)];
  const index = new FeatureIndex();
  index.load(features);
  const boxOf = (a: { latitude: number; longitude: number }, b: { latitude: number; longitude: number }): Box => ({
    minLatitude: Math.min(a.latitude, b.latitude),
    maxLatitude: Math.max(a.latitude, b.latitude),
    minLongitude: Math.min(a.longitude, b.longitude),
    maxLongitude: Math.max(a.longitude, b.longitude),
  });
  const visited = (box: Box): FeatureRecord[] => {
    const found: FeatureRecord[] = [];
    for (const _ of index.visitWithin(box, (names, start, end, latitude, longitude) => {
      found.push({ name: Buffer.from(names.subarray(start, end)).toString('utf8'), latitude, longitude });
      return found.length % 7 === 0;
    }));
    return found;
  };
  const inOrder = (list: FeatureRecord[]) => [...list].sort((a, b) => a.latitude - b.latitude || a.longitude - b.longitude);

  it('finds the features within finds, for random boxes and boxes holding every feature', () => {
    const corner = fc.oneof(
      fc.record({ latitude: e7Latitude, longitude: e7Longitude }),
      fc.constantFrom(...features.map(({ latitude, longitude }) => ({ latitude, longitude }))),
    );
    fc.assert(
      fc.property(corner, corner, (a, b) => {
        const box = boxOf(a, b);
        expect(inOrder(visited(box))).toEqual(inOrder([...index.within(box)]));
      }),
      { numRuns: 500 },
    );
    const everything = boxOf(WORLD.lo!, WORLD.hi!);
    expect(inOrder(visited(everything))).toEqual(inOrder(features));
  });

  it('pauses after each feature whose visit returns true', () => {
    let visits = 0;
    let pauses = 0;
    for (const _ of index.visitWithin(boxOf(WORLD.lo!, WORLD.hi!), () => ++visits % 100 === 0)) {
      pauses++;
      expect(visits).toBe(pauses * 100);
    }
    expect(pauses).toBe(Math.floor(index.size / 100));
  });
});

describe('ExportFeatures over a large result', () => {
  const TOTAL = 200_000;
  let server: TestServer;
  let extensions: RouteGuideExtensionsClient;
  /** The index's walks for the exports: what they produce is the server's work. */
  const walks = spyOnTraversals();

  beforeAll(async () => {
    server = await startTestServer({ empty: true });
    const index = server.running.index;
    index.load([...syntheticFeatures(TOTAL, 11)]);
    // Counts what the walk produces, and says when it stops.
    trackIndexWalks(index, walks);
    extensions = new RouteGuideExtensionsClient(server.target, credentials.createInsecure());
  }, 60_000);

  afterAll(async () => {
    extensions?.close();
    await server?.stop();
  });

  beforeEach(() => {
    walks.reset();
  });

  function counted(call: ClientReadableStream<FeatureBatch>): { features: number } {
    const counter = { features: 0 };
    call.on('data', (batch: FeatureBatch) => (counter.features += batch.features.length));
    call.on('error', () => {});
    return counter;
  }

  it('streams every feature with the default batch size', async () => {
    const call = extensions.exportFeatures(ExportFeaturesRequest.fromPartial({ rectangle: WORLD }));
    const counter = counted(call);
    await new Promise((resolve) => call.on('end', resolve));
    expect(counter.features).toBe(TOTAL);
    expect(walks.produced()).toBe(TOTAL);
  }, 60_000);

  it('stops the server-side walk when the client cancels', async () => {
    const call = extensions.exportFeatures(ExportFeaturesRequest.fromPartial({ rectangle: WORLD, batchSize: 256 }));
    const counter = counted(call);
    const cancelled = new Promise<ServiceError>((resolve) => call.on('error', resolve));
    await new Promise<void>((resolve) => {
      call.on('data', () => {
        if (counter.features >= 1_000) {
          call.cancel();
          resolve();
        }
      });
    });
    expect((await cancelled).code).toBe(status.CANCELLED);
    await walks.ended();
    expect(walks.produced()).toBeLessThan(TOTAL / 10);
  }, 60_000);

  it('stops the server-side walk when the deadline passes while the reader is paused', async () => {
    const call = extensions.exportFeatures(ExportFeaturesRequest.fromPartial({ rectangle: WORLD, batchSize: 256 }), new Metadata(), {
      deadline: Date.now() + 300,
    });
    const counter = counted(call);
    call.pause();
    await eventually(() => walks.produced() > 0, 5_000, 'the walk to start');
    await walks.ended();
    expect(walks.produced()).toBeLessThan(TOTAL / 10);
    expect(counter.features).toBeLessThan(TOTAL);
    call.cancel();
  }, 60_000);

  it('a reader that stops leaves the server with bounded work: the walk waits, the stream stays open', async () => {
    await eventually(() => server.running.server.openStreams() === 0, 5_000, 'the earlier streams to end');
    const stalled = openStalledCall(server.running.port, EXPORT_PATH, ExportFeaturesRequest.encode({ rectangle: WORLD, batchSize: 256 }).finish());
    try {
      await eventually(() => walks.produced() > 0, 5_000, 'the stream to start');
      // It has stopped for good once it waits for 'drain' on a window the client never refills.
      await eventually(async () => (await walks.waitingForDrain()) && stalled.windowSpent(), 15_000, "the server to wait for 'drain' on a spent window");
      const work = walks.produced();
      // grpc-js's 16 queued messages, the HTTP/2 window and socket buffers: a few thousand features.
      expect(work).toBeLessThan(20_000);
      expect(server.running.server.openStreams()).toBe(1);
      // Meanwhile another client is served in full.
      expect((await exportBatches(extensions, { rectangle: { lo: { latitude: 0, longitude: 0 }, hi: { latitude: 1, longitude: 1 } } })).length).toBeLessThanOrEqual(1);
    } finally {
      stalled.close();
    }
    await eventually(() => server.running.server.openStreams() === 0, 5_000, 'the server to drop the stream');
  }, 60_000);
});
