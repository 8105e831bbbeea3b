import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { status, type ServiceError } from '@grpc/grpc-js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Rectangle, type RouteNote } from '../../src/gen/messages/route_guide.js';
import { captureLog } from '../support/captured-log.js';
import { openStalledCall } from '../support/stalled-client.js';
import { collect, startTestServer, temporaryDirectory, type TestServer } from '../support/servers.js';
import { eventually } from '../support/wait.js';

const FEATURES = 20_000;
const WORLD = { lo: { latitude: -900000000, longitude: -1800000000 }, hi: { latitude: 900000000, longitude: 1800000000 } };

describe('deadlines and idle streams', () => {
  const directory = temporaryDirectory();
  const seedFile = join(directory.path, 'many.json');
  let server: TestServer | undefined;
  beforeAll(() => {
    const features = Array.from({ length: FEATURES }, (_, i) => ({
      location: { latitude: Math.floor(i / 200) * 1000, longitude: (i % 200) * 1000 },
      name: `feature number ${i} with a name long enough to fill flow-control windows quickly`,
    }));
    writeFileSync(seedFile, JSON.stringify(features));
  });
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });
  afterAll(() => directory.remove());

  it('a ListFeatures call whose deadline passes while its client is not reading stops its work', { timeout: 20_000 }, async () => {
    const captured = captureLog('info');
    server = await startTestServer({ seedFile, log: captured.log });
    // A client that truly stops reading (a paused grpc-js client keeps draining the connection).
    const stalled = openStalledCall(server.running.port, '/routeguide.RouteGuide/ListFeatures', Rectangle.encode(WORLD).finish(), 300);
    const openStreams = server.running.server.openStreams;
    await eventually(() => openStreams() > 0, 5_000, 'the ListFeatures call to open');
    // The handler stops at the 300 ms deadline while the client is still stalled, although grpc-js
    // cannot deliver the status to it. Well within the test's timeout, so a handler that waits on
    // backpressure forever fails here, by name.
    await eventually(() => openStreams() === 0, 5_000, 'the ListFeatures handler to stop at its deadline while its client is stalled');
    // The call's log line is written when the connection finally goes.
    stalled.close();
    const line = await captured.waitFor((candidate) => candidate.msg === 'call' && candidate.method === '/routeguide.RouteGuide/ListFeatures');
    expect(line.code).toBe('DEADLINE_EXCEEDED');
    expect(line.sent as number).toBeLessThan(FEATURES);
  });

  it('a RouteChat stream that makes no progress is ended with DEADLINE_EXCEEDED by the idle timeout', async () => {
    const captured = captureLog('info');
    server = await startTestServer({ streamIdleTimeoutMs: 200, log: captured.log });
    const call = server.client.raw.routeChat();
    call.write({ location: { latitude: 1, longitude: 1 }, message: 'then silence' });
    const error = await new Promise<ServiceError>((resolve) => call.on('error', resolve));
    expect(error.code).toBe(status.DEADLINE_EXCEEDED);
    expect(error.details).toContain('no progress');
    const line = await captured.waitFor((candidate) => candidate.msg === 'call' && candidate.method === '/routeguide.RouteGuide/RouteChat');
    expect(line).toMatchObject({ code: 'DEADLINE_EXCEEDED', received: 1 });
    await eventually(() => server!.running.server.openStreams() === 0, 5_000, 'the idle RouteChat call to be closed');
  });

  it('the idle timeout leaves a stream alone while messages flow', { timeout: 20_000 }, async () => {
    const idleMs = 300;
    server = await startTestServer({ streamIdleTimeoutMs: idleMs });
    // A note every third of the idle timeout, for about five idle timeouts: the stream is never idle
    // for long, but lives well past the point where a timeout that ignored progress would end it.
    const count = 15;
    const gapMs = idleMs / 3;
    const location = { latitude: 2, longitude: 2 };
    async function* notes(): AsyncGenerator<RouteNote> {
      for (let i = 0; i < count; i++) {
        if (i > 0) await new Promise((resolve) => setTimeout(resolve, gapMs));
        yield { location, message: `note ${i}` };
      }
    }
    const replies = await collect(server.client.routeChat(notes()));
    // Every note replays all the earlier ones at the same location, oldest first: 0, 0-1, 0-2, ...
    const expected = Array.from({ length: count }, (_, i) => Array.from({ length: i }, (_, j) => `note ${j}`)).flat();
    expect(replies.map((note) => note.message)).toEqual(expected);
  });
});
