import { ConnectError, Code as ConnectCode } from '@connectrpc/connect';
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { startApp, type RunningApp } from '../../src/app/start-app.js';
import { createSilentLogger } from '../../src/observability/logger.js';
import { httpClients } from '../support/http.js';
import { eventually } from '../support/wait.js';

const WHOLE_WORLD = { lo: { latitude: -900000000, longitude: -1800000000 }, hi: { latitude: 900000000, longitude: 1800000000 } };

async function healthz(port: number): Promise<{ status: number; text: string }> {
  const response = await fetch(`http://127.0.0.1:${port}/healthz`);
  return { status: response.status, text: (await response.text()).trim() };
}

function start(onLoading?: (port: number, httpPort?: number) => Promise<void>): Promise<RunningApp> {
  return startApp({ storageUrl: 'memory:', host: '127.0.0.1', port: 0, replayLimit: 1000, log: createSilentLogger(), http: { port: 0 }, onLoading });
}

describe('the HTTP port through start-up and shutdown', () => {
  const running: RunningApp[] = [];
  afterEach(async () => {
    for (const app of running.splice(0)) await app.stop(0);
  });

  it('GET /healthz answers 503 NOT_SERVING while the server starts, and 200 SERVING once it serves', { timeout: 20_000 }, async () => {
    let whileStarting: { status: number; text: string } | undefined;
    const app = await start(async (_port, httpPort) => {
      whileStarting = await healthz(httpPort!);
    });
    running.push(app);
    expect(whileStarting).toEqual({ status: 503, text: 'NOT_SERVING' });
    expect(await healthz(app.http!.port)).toEqual({ status: 200, text: 'SERVING' });
  });

  it('a call while the server starts is UNAVAILABLE, saying what it is doing', { timeout: 20_000 }, async () => {
    let error: unknown;
    const app = await start(async (_port, httpPort) => {
      const { guide } = httpClients(`http://127.0.0.1:${httpPort}`, 'connect-json');
      error = await guide.getFeature({ latitude: 1, longitude: 1 }).catch((caught: unknown) => caught);
    });
    running.push(app);
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).code).toBe(ConnectCode.Unavailable);
    expect((error as ConnectError).rawMessage).toMatch(/^starting: loading 100 features/);
  });

  it('on shutdown, /healthz answers 503 and new calls UNAVAILABLE while a call in flight has its grace; then the port closes', { timeout: 20_000 }, async () => {
    const app = await start();
    const port = app.http!.port;
    // A call in flight: its request body never ends, so the server waits for it.
    const held = request({ host: '127.0.0.1', port, method: 'POST', path: '/routeguide.RouteGuide/GetFeature', headers: { 'content-type': 'application/json', 'content-length': '100' } });
    held.on('error', () => {});
    held.write('{"latitude":');
    await eventually(() => app.http!.openRequests() === 1, 10_000, 'the server to receive the held request');
    const stopped = app.stop(1500);
    expect(await healthz(port)).toEqual({ status: 503, text: 'NOT_SERVING' });
    const { guide } = httpClients(`http://127.0.0.1:${port}`, 'connect-json');
    const refused = await guide.getFeature({ latitude: 1, longitude: 1 }).catch((caught: unknown) => caught);
    expect(ConnectError.from(refused).code).toBe(ConnectCode.Unavailable);
    expect(ConnectError.from(refused).rawMessage).toBe('server is shutting down');
    await stopped;
    await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
    held.destroy();
  });

  it('on shutdown, a WatchNotes over Connect ends at once with UNAVAILABLE, without waiting for the grace', { timeout: 20_000 }, async () => {
    const app = await start();
    const { extensions } = httpClients(`http://127.0.0.1:${app.http!.port}`, 'connect-json');
    const watch = extensions.watchNotes(WHOLE_WORLD)[Symbol.asyncIterator]();
    const first = watch.next();
    await eventually(() => app.http!.openStreams() === 1, 5000, 'the watch to open');
    // A grace far longer than the test's timeout: a watch that waited for it would fail the test.
    const stopped = app.stop(60_000);
    const error = await first.catch((caught: unknown) => caught);
    expect(ConnectError.from(error).code).toBe(ConnectCode.Unavailable);
    expect(ConnectError.from(error).rawMessage).toBe('server is shutting down');
    await stopped;
  });
});
