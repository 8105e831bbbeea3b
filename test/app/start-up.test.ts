import { createServer, type AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createRouteGuideClient } from '../../src/client/client.js';
import { createPendingRouteGuide } from '../../src/service/pending-route-guide.js';
import { createRouteGuideExtensions } from '../../src/service/extensions.js';
import { createCountFeatures } from '../../src/service/count-features.js';
import { createNearestFeatures } from '../../src/service/nearest-features.js';
import { createRouteGuide } from '../../src/service/route-guide.js';
import { FeatureIndex } from '../../src/index/feature-index.js';
import { createMemoryStorage } from '../../src/storage/memory.js';
import { runCli } from '../support/cli.js';
import { createHealthClient } from '../support/grpc-tools.js';
import { startTestServer, temporaryDirectory, type TestServer } from '../support/servers.js';

function check(client: ReturnType<typeof createHealthClient>, service: string): Promise<{ status: string }> {
  return new Promise((resolve, reject) => {
    client.Check({ service }, (error: Error | null, response: { status: string }) => (error ? reject(error) : resolve(response)));
  });
}

describe('start-up: bind first, then load', () => {
  const directory = temporaryDirectory();
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });
  afterAll(() => directory.remove());

  it('while the index loads, health is NOT_SERVING and RouteGuide calls are UNAVAILABLE, saying what loads', async () => {
    const seen: { health?: string; code?: number; details?: string } = {};
    server = await startTestServer({
      // The canonical 100 features are seeded into the empty memory storage, then counted.
      onLoading: async (port) => {
        const health = createHealthClient(`127.0.0.1:${port}`);
        const client = createRouteGuideClient(`127.0.0.1:${port}`);
        try {
          seen.health = (await check(health, 'routeguide.RouteGuide')).status;
          const error = (await client.getFeature({ latitude: 1, longitude: 1 }).catch((caught: unknown) => caught)) as {
            code: number;
            details: string;
          };
          seen.code = error.code;
          seen.details = error.details;
        } finally {
          health.close();
          client.close();
        }
      },
    });
    expect(seen).toEqual({ health: 'NOT_SERVING', code: status.UNAVAILABLE, details: 'starting: loading 100 features' });
    // Once start-up resolves, it serves.
    expect((await server.client.getFeature({ latitude: 409146138, longitude: -746188906 })).name).toContain('Berkshire Valley');
  });

  it('a port in use is reported before storage is opened (no ./data is created) and before anything is seeded or loaded', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as AddressInfo;
    const seedFile = join(directory.path, 'places.json');
    writeFileSync(seedFile, JSON.stringify([{ location: { latitude: 1, longitude: 1 }, name: 'one' }]));
    try {
      // The default storage, in the run's throwaway directory: nothing may be created there.
      const result = await runCli(['serve', '--port', String(port), '--seed', seedFile, '--log-format', 'json']);
      expect(result.code).toBe(1);
      expect(result.leftInWorkingDirectory).toEqual([]);
      const lines = result.stderr.trim().split('\n');
      expect(lines.at(-1)).toBe(`routeguide serve: cannot listen on 127.0.0.1:${port}: listen EADDRINUSE: address already in use 127.0.0.1:${port}`);
      const messages = lines.slice(0, -1).map((line) => (JSON.parse(line) as { msg: string }).msg);
      expect(messages).not.toContain('storage open');
      expect(messages).not.toContain('seeded features');
      expect(messages).not.toContain('index loaded');
    } finally {
      taken.close();
    }
  });

  it('a pending RouteGuide and its extensions pass calls on once they are ready', async () => {
    const pending = createPendingRouteGuide();
    pending.setStatus('starting: seeding features from places.csv');
    expect(() => pending.guide.getFeature({ latitude: 0, longitude: 0 })).toThrow('starting: seeding features from places.csv');
    await expect(pending.extensions.postNote({ location: { latitude: 1, longitude: 1 }, message: 'early' })).rejects.toThrow(
      'starting: seeding features from places.csv',
    );
    const everywhere = { lo: { latitude: -10, longitude: -10 }, hi: { latitude: 10, longitude: 10 } };
    expect(() => pending.extensions.countFeatures({ rectangle: everywhere, columns: 1, rows: 1 })).toThrow('starting: seeding features from places.csv');
    const index = new FeatureIndex();
    index.load([{ name: 'here', latitude: 5, longitude: 5 }]);
    const guide = createRouteGuide({ index, storage: createMemoryStorage(), replayLimit: 10 });
    pending.ready(guide, createRouteGuideExtensions({ guide, nearestFeatures: createNearestFeatures(index), countFeatures: createCountFeatures(index), watchNotes: () => {
      throw new Error('not watched here');
    } }));
    expect(pending.guide.getFeature({ latitude: 5, longitude: 5 }).name).toBe('here');
    expect(pending.extensions.countFeatures({ rectangle: everywhere, columns: 1, rows: 1 }).total).toBe(1);
    expect((await pending.extensions.postNote({ location: { latitude: 1, longitude: 1 }, message: 'ready' })).earlierNotes).toEqual([]);
  });
});
