import { spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startRouteGuide, type RouteGuideServer } from '../../src/app/embedded-server.js';
import { ROOT } from '../support/build.js';
import { ensureBuilt, runCli, startServerProcess, type ServerProcess } from '../support/cli.js';

/** The test runner's environment without ROUTEGUIDE_* settings or an outer npm's variables. */
function userEnvironment(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('ROUTEGUIDE_') && !name.startsWith('npm_')));
}

/** Runs `npm start` until it prints its last line, then stops it; resolves with its stdout lines. */
function npmStartLines(settings: Record<string, string>): Promise<string[]> {
  const npm = spawn('npm', ['start', '--silent'], {
    cwd: ROOT,
    env: { ...userEnvironment(), ROUTEGUIDE_PORT: '0', ROUTEGUIDE_STORAGE: 'memory:', ROUTEGUIDE_LOG_LEVEL: 'warn', ...settings },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let stdout = '';
  let stderr = '';
  npm.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const closed = new Promise<void>((resolve) => npm.once('close', () => resolve()));
  let listening = false;
  return new Promise((resolve, reject) => {
    npm.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (!listening && /^listening on \S+\n/m.test(stdout)) {
        listening = true;
        process.kill(-npm.pid!, 'SIGTERM');
      }
    });
    void closed.then(() => (listening ? resolve(stdout.trimEnd().split('\n')) : reject(new Error(`npm start exited before listening:\n${stderr}`))));
  });
}

describe('serve --http-port', () => {
  const servers: ServerProcess[] = [];
  const embedded: RouteGuideServer[] = [];
  beforeAll(() => ensureBuilt(), 60_000);
  afterEach(async () => {
    for (const server of servers.splice(0)) await server.stop();
    for (const server of embedded.splice(0)) await server.close(0);
  });

  it('prints `http listening on HOST:PORT` on the line before the last line, `listening on HOST:PORT`', { timeout: 30_000 }, async () => {
    const server = await startServerProcess(['--storage', 'memory:', '--http-port', '0']);
    servers.push(server);
    const lines = server.stdout().trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^http listening on 127\.0\.0\.1:\d+$/);
    expect(lines[1]).toBe(`listening on ${server.target}`);
    const httpAddress = lines[0]!.replace('http listening on ', '');
    const health = await fetch(`http://${httpAddress}/healthz`);
    expect(health.status).toBe(200);
  });

  it('takes ROUTEGUIDE_HTTP_PORT and --http-host; no HTTP port unless asked', { timeout: 30_000 }, async () => {
    const withHttp = await startServerProcess(['--storage', 'memory:', '--http-host', 'localhost'], { env: { ROUTEGUIDE_HTTP_PORT: '0' } });
    servers.push(withHttp);
    expect(withHttp.stdout()).toMatch(/^http listening on localhost:\d+\n/);
    const without = await startServerProcess(['--storage', 'memory:']);
    servers.push(without);
    expect(without.stdout()).toBe(`listening on ${without.target}\n`);
  });

  it('rejects a bad --http-cors-origin and --http-port in one line naming the setting, the value and what is allowed', { timeout: 30_000 }, async () => {
    const origin = await runCli(['serve', '--port', '0', '--storage', 'memory:', '--http-port', '0', '--http-cors-origin', 'https://ok.example.com,map.example.com']);
    expect(origin.code).toBe(2);
    expect(origin.stderr.trimEnd().split('\n')).toEqual([
      'routeguide serve: invalid --http-cors-origin="https://ok.example.com,map.example.com": "map.example.com" is not an origin; must be * or origins like https://map.example.com, comma-separated',
    ]);
    const port = await runCli(['serve', '--port', '0', '--storage', 'memory:'], { env: { ROUTEGUIDE_HTTP_PORT: 'eighty' } });
    expect(port.code).toBe(2);
    expect(port.stderr.trimEnd().split('\n')).toEqual(['routeguide serve: invalid ROUTEGUIDE_HTTP_PORT="eighty": must be an integer between 0 and 65535, or off']);
  });

  it('stops with one line and exit code 1 when the HTTP port is taken, leaving nothing behind', { timeout: 30_000 }, async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as AddressInfo).port;
    try {
      const result = await runCli(['serve', '--port', '0', '--storage', 'sqlite:./data/routeguide.db', '--http-port', String(port)]);
      expect(result.code).toBe(1);
      expect(result.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(new RegExp(`^routeguide serve: cannot serve HTTP on 127\\.0\\.0\\.1:${port}: .*EADDRINUSE`))]);
      expect(result.stdout).toBe('');
      expect(result.leftInWorkingDirectory).toEqual([]);
    } finally {
      taken.close();
    }
  });

  it('npm start serves HTTP through ROUTEGUIDE_HTTP_PORT, which the environment can move or turn off', { timeout: 60_000 }, async () => {
    const moved = await npmStartLines({ ROUTEGUIDE_HTTP_PORT: '0' });
    expect(moved).toHaveLength(2);
    expect(moved[0]).toMatch(/^http listening on 127\.0\.0\.1:\d+$/);
    expect(moved[0]).not.toMatch(/:8080$/);
    const off = await npmStartLines({ ROUTEGUIDE_HTTP_PORT: 'off' });
    expect(off).toEqual([expect.stringMatching(/^listening on 127\.0\.0\.1:\d+$/)]);
  });

  it('startRouteGuide({ httpPort: 0 }) resolves with the HTTP address and port', { timeout: 20_000 }, async () => {
    const server = await startRouteGuide({ logLevel: 'silent', httpPort: 0, httpCorsOrigin: '*' });
    embedded.push(server);
    expect(server.httpAddress).toBe(`127.0.0.1:${server.httpPort}`);
    const response = await fetch(`http://${server.httpAddress}/routeguide.RouteGuide/GetFeature`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'https://anywhere.example.org' },
      body: '{"latitude": 409146138, "longitude": -746188906}',
    });
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    expect(((await response.json()) as { name: string }).name).toMatch(/^Berkshire Valley/);
  });
});
