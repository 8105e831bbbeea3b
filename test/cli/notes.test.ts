import { spawn } from 'node:child_process';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BIN, ensureBuilt } from '../support/build.js';
import { runCli } from '../support/cli.js';
import { startTestServer, type TestServer } from '../support/servers.js';
import { eventually } from '../support/wait.js';

describe('routeguide client watch and post', () => {
  let server: TestServer | undefined;
  beforeAll(() => ensureBuilt(), 120_000);
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  it('post prints the notes stored earlier at the point; watch prints notes posted inside its rectangle, in degrees', async () => {
    server = await startTestServer({ empty: true });
    const target = ['--target', server.target];
    const watcher = spawn(process.execPath, [BIN, 'client', 'watch', '40', '-75', '42', '-73', '--json', ...target], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let watched = '';
    watcher.stdout.on('data', (chunk: Buffer) => (watched += chunk.toString()));
    try {
      await eventually(() => server!.running.server.openStreams() === 1, 10_000, 'the watch to open');
      const first = await runCli(['client', 'post', '41.5', '-74.25', 'first note', ...target]);
      expect(first).toMatchObject({ code: 0, stdout: '0 earlier notes\n', stderr: '' });
      const second = await runCli(['client', 'post', '41.5', '-74.25', 'second note', ...target]);
      expect(second.stdout).toBe('Got message "first note" at 41.5, -74.25\n1 earlier note\n');
      await runCli(['client', 'post', '10', '10', 'far away', ...target]);
      await eventually(() => watched.split('\n').length > 2, 10_000, 'two notes watched');
      expect(watched.trim().split('\n').map((line) => JSON.parse(line))).toEqual([
        { location: { latitude: 415000000, longitude: -742500000 }, message: 'first note' },
        { location: { latitude: 415000000, longitude: -742500000 }, message: 'second note' },
      ]);
    } finally {
      watcher.kill();
    }
  });

  it('post refuses degrees out of range before any call, in one line', async () => {
    server = await startTestServer({ empty: true });
    const result = await runCli(['client', 'post', '95', '0', 'hello', '--target', server.target]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe('routeguide client post: latitude 95 is out of range; must be between -90 and 90');
  });
});
