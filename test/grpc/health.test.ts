import { status } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { createHealthClient } from '../support/grpc-tools.js';
import { startTestServer, type TestServer } from '../support/servers.js';

function check(client: ReturnType<typeof createHealthClient>, service: string): Promise<{ status: string }> {
  return new Promise((resolve, reject) => {
    client.Check({ service }, (error: Error | null, response: { status: string }) => (error ? reject(error) : resolve(response)));
  });
}

describe('health', () => {
  let server: TestServer | undefined;
  let health: ReturnType<typeof createHealthClient> | undefined;
  afterEach(async () => {
    health?.close();
    await server?.stop();
    server = undefined;
  });

  it('Check answers SERVING for the server and for routeguide.RouteGuide once started', async () => {
    server = await startTestServer();
    health = createHealthClient(server.target);
    expect(await check(health, '')).toEqual({ status: 'SERVING' });
    expect(await check(health, 'routeguide.RouteGuide')).toEqual({ status: 'SERVING' });
    expect(await check(health, 'routeguide.extensions.v1.RouteGuideExtensions')).toEqual({ status: 'SERVING' });
  });

  it('Check on an unknown service answers NOT_FOUND', async () => {
    server = await startTestServer();
    health = createHealthClient(server.target);
    await expect(check(health, 'no.such.Service')).rejects.toMatchObject({ code: status.NOT_FOUND });
  });

  it('Watch gets SERVING, then NOT_SERVING when shutdown starts, and then the stream ends', async () => {
    server = await startTestServer();
    health = createHealthClient(server.target);
    const watch = health.Watch({ service: 'routeguide.RouteGuide' });
    const statuses: string[] = [];
    const ended = new Promise<{ code: number }>((resolve) => watch.on('status', resolve));
    const firstSeen = new Promise<void>((resolve) =>
      watch.on('data', (response: { status: string }) => {
        statuses.push(response.status);
        resolve();
      }),
    );
    await firstSeen;
    expect(statuses).toEqual(['SERVING']);
    const stopped = server.stop();
    expect((await ended).code).toBe(status.OK);
    expect(statuses).toEqual(['SERVING', 'NOT_SERVING']);
    await stopped;
    server = undefined;
  });
});
