import { createServer, type AddressInfo, type Server } from 'node:net';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { startApp, type StartOptions } from '../../src/app/start-app.js';
import { createSilentLogger } from '../../src/observability/logger.js';
import type { Storage } from '../../src/storage/storage.js';
import { temporaryDirectory } from '../support/servers.js';

/** What the storage the app opens does in this test: the call to fail, and what it saw. */
const tracked = vi.hoisted(() => ({
  /** Throw (synchronously, as a broken driver may) at this call of this method, counting from 1. */
  failAt: undefined as { method: string; call: number } | undefined,
  calls: new Map<string, number>(),
  /** 'open', 'listen', 'unlisten' (an onChange listener removed) and 'close', in order. */
  events: [] as string[],
}));

// The app opens its storage here; each storage it opens is tracked and may fail as told.
vi.mock(import('../../src/app/app-storage.js'), async (importOriginal) => {
  const original = await importOriginal();
  const track = (inner: Storage): Storage => {
    tracked.events.push('open');
    return new Proxy(inner, {
      get(target, property, receiver) {
        const value: unknown = Reflect.get(target, property, receiver);
        if (typeof value !== 'function' || typeof property !== 'string') return value;
        return (...args: unknown[]) => {
          const call = (tracked.calls.get(property) ?? 0) + 1;
          tracked.calls.set(property, call);
          if (tracked.failAt?.method === property && tracked.failAt.call === call) throw new Error(`${property} failed`);
          if (property === 'close') tracked.events.push('close');
          const result = (value as (...parameters: unknown[]) => unknown).apply(target, args);
          if (property !== 'onChange') return result;
          tracked.events.push('listen');
          return () => {
            tracked.events.push('unlisten');
            (result as () => void)();
          };
        };
      },
    });
  };
  return { ...original, openAppStorage: async (...args: Parameters<typeof original.openAppStorage>) => track(await original.openAppStorage(...args)) };
});

function listen(port = 0): Promise<Server> {
  const server = createServer();
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** A port nothing listens on now. */
async function freePort(): Promise<number> {
  const probe = await listen();
  const { port } = probe.address() as AddressInfo;
  await close(probe);
  return port;
}

/** Whether `port` can be bound again, waiting up to a few seconds for a closing server to let go of it. */
async function released(port: number): Promise<boolean> {
  const deadline = Date.now() + 5000;
  for (;;) {
    try {
      await close(await listen(port));
      return true;
    } catch {
      if (Date.now() > deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

/** Every onChange listener added was removed, and then the storage was closed, once. */
function expectStorageClosed(): void {
  const { events } = tracked;
  expect(events.filter((event) => event === 'unlisten').length, events.join(' ')).toBe(events.filter((event) => event === 'listen').length);
  expect(events.filter((event) => event === 'close'), events.join(' ')).toEqual(['close']);
  expect(events.at(-1), events.join(' ')).toBe('close');
}

describe('startApp opens in phases and closes what it opened, in reverse order', { timeout: 30_000 }, () => {
  const directory = temporaryDirectory();
  const taken: Server[] = [];
  afterEach(async () => {
    tracked.failAt = undefined;
    tracked.calls.clear();
    tracked.events.length = 0;
    for (const server of taken.splice(0)) await close(server);
  });
  afterAll(() => directory.remove());

  async function takenPort(): Promise<number> {
    const server = await listen();
    taken.push(server);
    return (server.address() as AddressInfo).port;
  }

  /** Every listener on free ports it reports: gRPC, HTTP and metrics, over memory storage. */
  async function options(extra: Partial<StartOptions> = {}): Promise<StartOptions> {
    return {
      storageUrl: 'memory:',
      host: '127.0.0.1',
      port: await freePort(),
      http: { port: await freePort() },
      metricsPort: await freePort(),
      replayLimit: 1000,
      empty: true,
      log: createSilentLogger(),
      ...extra,
    };
  }

  it('listen: a taken HTTP port closes the gRPC port, and no storage is opened', async () => {
    const given = await options({ http: { port: await takenPort() } });
    await expect(startApp(given)).rejects.toThrow(/EADDRINUSE/);
    expect(await released(given.port)).toBe(true);
    expect(tracked.events).toEqual([]);
  });

  it('listen: a taken metrics port closes the gRPC and HTTP ports', async () => {
    const given = await options({ metricsPort: await takenPort() });
    await expect(startApp(given)).rejects.toThrow(/EADDRINUSE/);
    expect(await released(given.port)).toBe(true);
    expect(await released(given.http!.port)).toBe(true);
    expect(tracked.events).toEqual([]);
  });

  it('open data: a storage that cannot be opened closes every port', async () => {
    const given = await options({ storageUrl: `sqlite:${directory.path}/missing/routeguide.db` });
    await expect(startApp(given)).rejects.toThrow(/does not exist/);
    for (const port of [given.port, given.http!.port, given.metricsPort!]) expect(await released(port)).toBe(true);
  });

  it('open data: a storage that fails while its features are counted is closed, and so is every port', async () => {
    tracked.failAt = { method: 'countFeatures', call: 1 };
    const given = await options();
    await expect(startApp(given)).rejects.toThrow('countFeatures failed');
    expectStorageClosed();
    for (const port of [given.port, given.http!.port, given.metricsPort!]) expect(await released(port)).toBe(true);
  });

  it('open data: a storage that fails once the index follows its imports stops the follower before it is closed', async () => {
    // The first onChange listener is the import follower's; the second, which fails, the note feed's.
    tracked.failAt = { method: 'onChange', call: 2 };
    const given = await options();
    await expect(startApp(given)).rejects.toThrow('onChange failed');
    expect(tracked.events.filter((event) => event === 'listen')).toHaveLength(1);
    expectStorageClosed();
    for (const port of [given.port, given.http!.port, given.metricsPort!]) expect(await released(port)).toBe(true);
  });

  it('serve: a storage that fails when note retention starts closes the note feed and the follower before the storage', async () => {
    tracked.failAt = { method: 'pruneNotes', call: 1 };
    const given = await options({ notesMaxAgeMs: 60_000 });
    await expect(startApp(given)).rejects.toThrow('pruneNotes failed');
    expect(tracked.events.filter((event) => event === 'listen')).toHaveLength(2);
    expectStorageClosed();
    for (const port of [given.port, given.http!.port, given.metricsPort!]) expect(await released(port)).toBe(true);
  });

  it('stop closes everything: the listeners on the storage, the storage, then every port', async () => {
    const given = await options({ notesMaxAgeMs: 60_000 });
    const running = await startApp(given);
    expect(tracked.events).toEqual(['open', 'listen', 'listen']);
    await running.stop(1000);
    expectStorageClosed();
    for (const port of [given.port, given.http!.port, given.metricsPort!]) expect(await released(port)).toBe(true);
  });
});
