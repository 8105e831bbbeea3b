import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BIN, ensureBuilt } from '../support/build.js';
import { runCli } from '../support/cli.js';
import { startTestServer, temporaryDirectory, type TestServer } from '../support/servers.js';

describe('routeguide client commands against an in-process server', () => {
  const directory = temporaryDirectory();
  let server: TestServer | undefined;
  beforeAll(() => ensureBuilt(), 120_000);
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });
  afterAll(() => directory.remove());

  it('get with a negative halfway coordinate finds the feature the CSV importer stored there', async () => {
    // -40.00000005 is exactly halfway between two E7 values: both sides must round it away from zero.
    const csv = join(directory.path, 'halfway.csv');
    writeFileSync(csv, 'name,latitude,longitude\nHalfway House,-40.00000005,-74.61889065\n');
    server = await startTestServer({ seedFile: csv });
    const result = await runCli(['client', 'get', '-40.00000005', '-74.61889065', '--json', '--target', server.target]);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({
      name: 'Halfway House',
      location: { latitude: -400000001, longitude: -746188907 },
    });
  });

  it('get refuses degrees that are not decimal numbers, as the importers do, in one line', async () => {
    server = await startTestServer();
    const result = await runCli(['client', 'get', '0x1A', '0', '--target', server.target]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe('routeguide client get: latitude: "0x1A" is not a number of degrees');
  });

  it('chat prints the status and exits non-zero as soon as the server ends the call, with stdin still open', async () => {
    server = await startTestServer();
    const child = spawn(process.execPath, [BIN, 'client', 'chat', '--target', server.target], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    // A note over the 1024-byte limit: the server ends the call with INVALID_ARGUMENT.
    child.stdin.write(`1 1 ${'x'.repeat(1025)}\n`);
    try {
      const code = await Promise.race([
        exited,
        new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), 10_000)),
      ]);
      expect(code).toBe(1);
      expect(stderr.trim()).toBe(
        'routeguide client chat: INVALID_ARGUMENT: note[0].message: is 1025 UTF-8 bytes long; must be at most 1024 bytes',
      );
    } finally {
      child.kill();
      child.stdin.destroy();
    }
  });

  it('count prints the grid north at the top, each row and column labelled where it starts, and the total that list counts', async () => {
    server = await startTestServer();
    const result = await runCli(['client', 'count', '40', '-75', '42', '-73', '--grid', '4x2', '--target', server.target]);
    expect(result.stderr).toBe('');
    const listed = await runCli(['client', 'list', '40', '-75', '42', '-73', '--target', server.target]);
    const total = listed.stdout.trim().split('\n').at(-1)!;
    const lines = result.stdout.trim().split('\n');
    expect(lines[0]).toBe('lat \\ lng   -75 -74.5   -74 -73.5');
    expect(lines.map((line) => line.split(/ +/)[0])).toEqual(['lat', '41', '40', total.split(' ')[0]]);
    expect(lines.at(-1)).toBe(`${total} in 4 x 2 cells`);
    const json = await runCli(['client', 'count', '40', '-75', '42', '-73', '--grid', '4x2', '--json', '--target', server.target]);
    const answer = JSON.parse(json.stdout) as { counts: number[]; total: number; columns: number; rows: number };
    expect(answer.counts.slice(4).map(String)).toEqual(lines[1]!.split(/ +/).slice(1));
    expect(answer.counts.slice(0, 4).map(String)).toEqual(lines[2]!.split(/ +/).slice(1));
    expect(answer.counts.reduce((sum, n) => sum + n, 0)).toBe(answer.total);
  });

  it('count refuses a grid past 65536 cells before calling, in one line', async () => {
    const result = await runCli(['client', 'count', '40', '-75', '42', '-73', '--grid', '512x512']);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe('routeguide client count: invalid --grid="512x512": must be COLUMNSxROWS, each 1 to 1024 and at most 65536 cells in all, e.g. 8x8');
  });
});
