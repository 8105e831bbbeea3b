import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRouteGuideClient, type RouteGuideClient } from '../../src/client/client.js';
import { createSilentLogger } from '../../src/observability/logger.js';
import { openStorage } from '../../src/storage/open-storage.js';
import { startApp, type RunningApp, type StartOptions } from '../../src/app/start-app.js';

/** A temporary directory removed by the returned cleanup. */
export function temporaryDirectory(prefix = 'routeguide-test-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export interface TestServer {
  readonly running: RunningApp;
  readonly client: RouteGuideClient;
  readonly target: string;
  stop(): Promise<void>;
}

/** Starts an in-process server on 127.0.0.1:0 with a connected client. */
export async function startTestServer(options: Partial<StartOptions> = {}): Promise<TestServer> {
  const running = await startApp({
    storageUrl: 'memory:',
    host: '127.0.0.1',
    port: 0,
    replayLimit: 1000,
    log: createSilentLogger(),
    ...options,
  });
  const target = `127.0.0.1:${running.port}`;
  const client = createRouteGuideClient(target);
  return {
    running,
    client,
    target,
    async stop() {
      client.close();
      await running.stop(1000);
    },
  };
}

/** Collects an async iterable into an array. */
export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

/** How many features the storage at `url` holds, opening and closing it. */
export async function countStoredFeatures(url: string): Promise<number> {
  const storage = await openStorage(url);
  try {
    return await storage.countFeatures();
  } finally {
    await storage.close();
  }
}
