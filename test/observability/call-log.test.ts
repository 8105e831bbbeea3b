import { afterEach, describe, expect, it } from 'vitest';
import { captureLog } from '../support/captured-log.js';
import { collect, startTestServer, type TestServer } from '../support/servers.js';

describe('per-call logs', () => {
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  it('logs one line per call with method, status code, duration, peer and messages streamed', async () => {
    const captured = captureLog('info');
    server = await startTestServer({ log: captured.log });
    await server.client.getFeature({ latitude: 409146138, longitude: -746188906 });
    await collect(server.client.listFeatures({ lo: { latitude: 400000000, longitude: -750000000 }, hi: { latitude: 420000000, longitude: -730000000 } }));
    const calls = captured.lines.filter((line) => line.msg === 'call');
    expect(calls.map((line) => line.method)).toEqual(['/routeguide.RouteGuide/GetFeature', '/routeguide.RouteGuide/ListFeatures']);
    const [get, list] = calls;
    expect(get).toMatchObject({ code: 'OK', received: 1, sent: 1, peer: expect.stringMatching(/^127\.0\.0\.1:\d+$/) });
    expect(get!.durationMs).toEqual(expect.any(Number));
    expect(list!.sent).toBeGreaterThan(1);
  });

  it('logs the status code and details of a failed call', async () => {
    const captured = captureLog('info');
    server = await startTestServer({ log: captured.log });
    await expect(server.client.getFeature({ latitude: 2_000_000_000, longitude: 0 })).rejects.toThrow();
    const line = await captured.waitFor((candidate) => candidate.msg === 'call');
    expect(line).toMatchObject({ method: '/routeguide.RouteGuide/GetFeature', code: 'INVALID_ARGUMENT', details: expect.stringContaining('latitude') });
  });

  it('logs lifecycle lines for start and stop', async () => {
    const captured = captureLog('info');
    server = await startTestServer({ log: captured.log });
    await server.stop();
    server = undefined;
    const messages = captured.lines.map((line) => line.msg);
    expect(messages).toEqual(expect.arrayContaining(['storage open', 'index loaded', 'health NOT_SERVING; no longer accepting calls', 'storage closed']));
  });
});
