import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { targetWithPort } from '../../src/cli/client-settings.js';
import { main } from '../../src/cli/main.js';
import { seedCommand } from '../../src/cli/seed-command.js';
import { ROOT } from '../support/build.js';
import { ensureBuilt, runCli, runIntoClosingPipe, type CliResult } from '../support/cli.js';
import { startTestServer, temporaryDirectory, type TestServer } from '../support/servers.js';

// Only the in-process main() below sees this; CLI runs are child processes.
vi.mock(import('../../src/cli/seed-command.js'), async (importOriginal) => {
  const original = await importOriginal();
  return { ...original, seedCommand: vi.fn(original.seedCommand) };
});

/** A port on 127.0.0.1 that nothing listens on. */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** The whole of stderr, which must be one line. */
function oneLine(result: CliResult): string {
  expect(result.stderr.endsWith('\n')).toBe(true);
  const lines = result.stderr.slice(0, -1).split('\n');
  expect(lines).toHaveLength(1);
  return lines[0]!;
}

const directory = temporaryDirectory();
let server: TestServer;
let unreachable: string;

beforeAll(async () => {
  ensureBuilt();
  // Far more features than fit in a pipe's buffer (64 KiB) when listed, for the closed-output case.
  const rows = Array.from({ length: 20_000 }, (_, i) => `place ${i},${(i % 800) / 10},${Math.floor(i / 800) / 10}`);
  const csv = join(directory.path, 'many.csv');
  writeFileSync(csv, `name,latitude,longitude\n${rows.join('\n')}\n`);
  server = await startTestServer({ seedFile: csv });
  unreachable = `127.0.0.1:${await freePort()}`;
}, 120_000);
afterAll(async () => {
  await server?.stop();
  directory.remove();
});

// Each CLI run starts a Node process (most of a second on 2 busy cores); some tests make several.
describe('every ordinary CLI mistake is one line and an exit code', { timeout: 60_000 }, () => {
  it('client get with degrees that are not a number: usage, exit 2', async () => {
    const result = await runCli(['client', 'get', 'abc', '1', '--target', server.target]);
    expect(oneLine(result)).toBe('routeguide client get: latitude: "abc" is not a number of degrees');
    expect(result.code).toBe(2);
  });

  it('client record of a missing file names the file and the problem: exit 1', async () => {
    const result = await runCli(['client', 'record', 'missing.json', '--target', server.target]);
    expect(oneLine(result)).toBe("routeguide client record: missing.json: cannot read: ENOENT: no such file or directory, open 'missing.json'");
    expect(result.code).toBe(1);
  });

  it('client record of a file that is not JSON names the file and the problem: exit 1', async () => {
    writeFileSync(join(directory.path, 'notes.md'), '# Notes');
    const result = await runCli(['client', 'record', 'notes.md', '--target', server.target], { cwd: directory.path });
    expect(oneLine(result)).toBe(`routeguide client record: notes.md: not valid JSON: Unexpected token '#', "# Notes" is not valid JSON`);
    expect(result.code).toBe(1);
  });

  it('client record of a point out of range in E7 names the entry, before any call: exit 1', async () => {
    writeFileSync(join(directory.path, 'far.json'), JSON.stringify([{ latitude: 0, longitude: 0 }, { latitude: 3000000000, longitude: 0 }]));
    const result = await runCli(['client', 'record', 'far.json', '--target', unreachable], { cwd: directory.path });
    expect(oneLine(result)).toBe(
      'routeguide client record: far.json: entry 1: latitude: 3000000000 is out of range; must be an integer between -900000000 and 900000000',
    );
    expect(result.code).toBe(1);
  });

  it('client list into a pipe whose reader closes after the first line stops quietly with exit 0', async () => {
    // Like `| head -1`: one line, then the pipe is closed while the CLI still has thousands to write.
    const { received, stderr, code } = await runIntoClosingPipe(['client', 'list', '-90', '-180', '90', '180', '--target', server.target]);
    expect(received.split('\n')[0]).toMatch(/^Feature "place \d+" at /);
    expect(stderr).toBe('');
    expect(code).toBe(0);
  }, 30_000);

  it.each([
    [['40', '300'], 'routeguide client get: longitude 300 is out of range; must be between -180 and 180'],
    [['95', '200'], 'routeguide client get: latitude 95 is out of range; must be between -90 and 90'],
    [['-90.0000001', '0'], 'routeguide client get: latitude -90.0000001 is out of range; must be between -90 and 90'],
  ])('client get %j is checked in degrees before any call: exit 2', async (degrees, message) => {
    const result = await runCli(['client', 'get', ...degrees, '--target', unreachable]);
    expect(oneLine(result)).toBe(message);
    expect(result.code).toBe(2);
  });

  it('a target without a port gets 50051, not 443; one with a port keeps it', () => {
    expect(targetWithPort('127.0.0.1')).toBe('127.0.0.1:50051');
    expect(targetWithPort('localhost')).toBe('localhost:50051');
    expect(targetWithPort('routeguide.example.com')).toBe('routeguide.example.com:50051');
    expect(targetWithPort('[::1]')).toBe('[::1]:50051');
    expect(targetWithPort('::1')).toBe('[::1]:50051');
    expect(targetWithPort('127.0.0.1:7000')).toBe('127.0.0.1:7000');
    expect(targetWithPort('[::1]:7000')).toBe('[::1]:7000');
    expect(targetWithPort('dns:///routeguide.example.com:443')).toBe('dns:///routeguide.example.com:443');
    expect(targetWithPort('unix:/run/routeguide.sock')).toBe('unix:/run/routeguide.sock');
    for (const bad of ['', 'host:abc', 'host:', 'host:70000', '[::1', '[nothost]:1', 'a b']) expect(targetWithPort(bad)).toBeUndefined();
  });

  it('a target that is not HOST[:PORT] is a usage mistake, not UNAVAILABLE: exit 2', async () => {
    const result = await runCli(['client', 'get', '0', '0', '--target', '127.0.0.1:abc']);
    expect(oneLine(result)).toBe(
      'routeguide client get: invalid --target="127.0.0.1:abc": must be HOST or HOST:PORT (an IPv6 address in brackets: [::1]:50051); the port defaults to 50051',
    );
    expect(result.code).toBe(2);
  });

  it('the demo prints the notes it sends in degrees, like the notes it receives', async () => {
    const result = await runCli(['client', 'demo', '--target', server.target, '--timeout', '30']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n').filter((line) => line.startsWith('Sending'))).toEqual([
      'Sending message "First message" at 0, 0',
      'Sending message "Second message" at 0, 0.0000001',
      'Sending message "Third message" at 0.0000001, 0',
      'Sending message "Fourth message" at 0, 0',
      'Sending message "Fifth message" at 0, 0.0000001',
    ]);
  });

  it('client chat refuses a line with no message like any other bad line: skipped, exit 1', async () => {
    const result = await runCli(['client', 'chat', '--target', server.target], { input: '-33.5 151.25\n-33.5 151.25   \n-33.5 151.25 hello\n' });
    expect(result.stderr.split('\n').filter(Boolean)).toEqual([
      'routeguide client chat: line 1: no message; expected "LAT LNG message"; skipped',
      'routeguide client chat: line 2: no message; expected "LAT LNG message"; skipped',
    ]);
    expect(result.code).toBe(1);
    // Only "hello" was sent: a second run at the same place gets it back, and nothing empty.
    const again = await runCli(['client', 'chat', '--target', server.target], { input: '-33.5 151.25 again\n' });
    expect(again.stdout).toBe('Got message "hello" at -33.5, 151.25\n');
  });

  it('seed into memory: is refused, saying why: exit 2', async () => {
    const result = await runCli(['seed', '--storage', 'memory:', join(ROOT, 'seed', 'route_guide_db.json')]);
    expect(oneLine(result)).toBe(
      'routeguide seed: invalid --storage="memory:": memory: storage ends with the command, so seeding it keeps nothing; seed a sqlite:<path> or postgres:// database',
    );
    expect(result.code).toBe(2);
    expect(result.leftInWorkingDirectory).toEqual([]);
  });

  it('--synthetic takes 1 to 100,000,000, as its help says: 0 is refused, 1 works', async () => {
    const help = await runCli(['seed', '--help']);
    expect(help.stdout).toMatch(/--synthetic N .*1 to 100,000,000 .*default none/);
    const zero = await runCli(['seed', '--synthetic', '0']);
    expect(oneLine(zero)).toBe('routeguide seed: invalid --synthetic="0": must be an integer between 1 and 100000000');
    expect(zero.code).toBe(2);
    expect(zero.leftInWorkingDirectory).toEqual([]);
  });

  it('counts are written with the right plural: 1 feature, 1 duplicate, 0 features, 1 point', async () => {
    const cwd = temporaryDirectory();
    try {
      const first = await runCli(['seed', '--storage', 'sqlite:./one.db', '--synthetic', '1'], { cwd: cwd.path });
      expect(first.stdout).toMatch(/^seeded 1 feature from 1 synthetic feature \(seed 1\) into sqlite:\.\/one\.db; 0 duplicates skipped; 1 read in /);
      const second = await runCli(['seed', '--storage', 'sqlite:./one.db', '--synthetic', '1'], { cwd: cwd.path });
      expect(second.stdout).toMatch(/^seeded 0 features from 1 synthetic feature \(seed 1\) into sqlite:\.\/one\.db; 1 duplicate skipped; /);
    } finally {
      cwd.remove();
    }
    const one = await runCli(['client', 'list', '0', '0', '0', '0', '--target', server.target]);
    expect(one.stdout).toBe('Feature "place 0" at 0, 0\n1 feature\n');
    const none = await runCli(['client', 'list', '-1', '-1', '-1', '-1', '--target', server.target]);
    expect(none.stdout).toBe('0 features\n');
    writeFileSync(join(directory.path, 'one-point.json'), JSON.stringify([{ latitude: 0, longitude: 0 }]));
    const record = await runCli(['client', 'record', 'one-point.json', '--target', server.target], { cwd: directory.path });
    expect(record.stdout).toMatch(/^Finished trip with 1 point\nPassed 1 feature\nTravelled 0 metres\nIt took \d+ seconds?\n$/);
  });

  it('an unreachable server is its status and details, without an empty "Resolution note": exit 1', async () => {
    const result = await runCli(['client', 'get', '0', '0', '--target', unreachable]);
    expect(oneLine(result)).toBe(`routeguide client get: UNAVAILABLE: No connection established. Last error: Error: connect ECONNREFUSED ${unreachable}.`);
    expect(result.code).toBe(1);
  });

  it("client commands read ROUTEGUIDE_CLIENT_* and none of the server's variables", async () => {
    const env = {
      // A server's settings exported in the same shell: none of them is the client's.
      ROUTEGUIDE_TLS_CERT: '/nonexistent/server.pem',
      ROUTEGUIDE_TLS_KEY: '/nonexistent/server.key',
      ROUTEGUIDE_TARGET: 'not a target',
      ROUTEGUIDE_CLIENT_TARGET: server.target,
      ROUTEGUIDE_CLIENT_JSON: 'true',
    };
    const result = await runCli(['client', 'get', '0', '0'], { env });
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({ name: 'place 0', location: { latitude: 0, longitude: 0 } });
    expect(result.code).toBe(0);

    const bad = await runCli(['client', 'get', '0', '0'], { env: { ROUTEGUIDE_CLIENT_TLS_CERT: '/nonexistent/client.pem' } });
    expect(oneLine(bad)).toBe('routeguide client get: --tls-cert and --tls-key go together; got only ROUTEGUIDE_CLIENT_TLS_CERT');
    expect(bad.code).toBe(2);

    const help = await runCli(['client', 'get', '--help']);
    for (const name of ['TARGET', 'TIMEOUT', 'JSON', 'TLS', 'TLS_CA', 'TLS_CERT', 'TLS_KEY']) expect(help.stdout).toContain(`env ROUTEGUIDE_CLIENT_${name};`);
    expect(help.stdout).not.toMatch(/env ROUTEGUIDE_(?!CLIENT_)/);
  });

  it('--timeout is each call\'s deadline; a call past it is DEADLINE_EXCEEDED in one line: exit 1', async () => {
    // Accepts connections and never answers, so only the deadline can end the call.
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const target = `127.0.0.1:${(silent.address() as AddressInfo).port}`;
      const result = await runCli(['client', 'get', '0', '0', '--target', target, '--timeout', '0.2']);
      expect(oneLine(result)).toBe('routeguide client get: DEADLINE_EXCEEDED: the call did not end within the 0.2 s timeout');
      expect(result.code).toBe(1);
      const bad = await runCli(['client', 'get', '0', '0', '--target', target], { env: { ROUTEGUIDE_CLIENT_TIMEOUT: 'soon' } });
      expect(oneLine(bad)).toBe('routeguide client get: invalid ROUTEGUIDE_CLIENT_TIMEOUT="soon": must be a number of seconds greater than 0');
      expect(bad.code).toBe(2);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it.each([['--version'], ['-V']])('routeguide %s prints the version from package.json: exit 0', async (flag) => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const result = await runCli([flag]);
    expect(result.stdout).toBe(`routeguide ${version}\n`);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  describe('an unexpected error (a bug)', () => {
    let stderr: string[];
    beforeAll(() => {
      vi.mocked(seedCommand).mockImplementation(() => Promise.reject(new TypeError("Cannot read properties of undefined (reading 'size')")));
    });
    afterAll(() => vi.mocked(seedCommand).mockReset());
    afterEach(() => vi.restoreAllMocks());
    const capture = () => {
      stderr = [];
      vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => (stderr.push(String(chunk)), true));
    };

    it('is one line naming the command, with a hint instead of the stack: exit 1', async () => {
      capture();
      vi.stubEnv('ROUTEGUIDE_DEBUG', '1'); // process.env is not the CLI's environment: no effect
      try {
        expect(await main(['seed', 'places.json'], {})).toBe(1);
      } finally {
        vi.unstubAllEnvs();
      }
      expect(stderr.join('')).toBe(
        "routeguide seed: Cannot read properties of undefined (reading 'size') (an unexpected error; ROUTEGUIDE_DEBUG=1 shows its stack)\n",
      );
    });

    it('shows its stack after the line when ROUTEGUIDE_DEBUG=1', async () => {
      capture();
      expect(await main(['seed', 'places.json'], { ROUTEGUIDE_DEBUG: '1' })).toBe(1);
      const lines = stderr.join('').split('\n');
      expect(lines[0]).toBe("routeguide seed: Cannot read properties of undefined (reading 'size')");
      expect(lines.some((line) => line.startsWith('    at '))).toBe(true);
    });
  });
});

describe('no client or seed mistake prints a stack trace', { timeout: 30_000 }, () => {
  const files = temporaryDirectory();
  beforeAll(() => {
    writeFileSync(join(files.path, 'notes.md'), '# Notes\n\nnot JSON\n');
    writeFileSync(join(files.path, 'places.json'), '[]');
  });
  afterAll(() => files.remove());

  it.each<[string, string[]]>([
    ['degrees that are not a number', ['client', 'get', 'abc', '1']],
    ['out-of-range degrees', ['client', 'list', '0', '0', '91', '181']],
    ['a missing route file', ['client', 'record', 'missing.json']],
    ['a route file that is not JSON', ['client', 'record', 'notes.md']],
    ['an unreachable target', ['client', 'get', '0', '0', '--target', 'UNREACHABLE']],
    ['an unreachable target for the demo', ['client', 'demo', '--target', 'UNREACHABLE']],
    ['a bad flag value', ['client', 'get', '0', '0', '--timeout', 'soon']],
    ['an unknown option', ['client', 'list', '0', '0', '1', '1', '--frobnicate']],
    ['the wrong number of arguments', ['client', 'list', '0', '0', '1']],
    ['seeding memory:', ['seed', '--storage', 'memory:', 'places.json']],
    ['a bad --format', ['seed', '--storage', 'sqlite:./x.db', '--format', 'xml', 'places.json']],
    ['a missing seed file', ['seed', '--storage', 'sqlite:./x.db', 'missing.json']],
    ['--synthetic 0', ['seed', '--storage', 'sqlite:./x.db', '--synthetic', '0']],
  ])('%s', async (_mistake, args) => {
    const result = await runCli(
      args.map((arg) => (arg === 'UNREACHABLE' ? unreachable : arg)),
      { cwd: files.path },
    );
    expect(result.code === 1 || result.code === 2, `exit code ${result.code}`).toBe(true);
    expect(result.stderr.split('\n').filter((line) => line.startsWith('    at '))).toEqual([]);
    expect(oneLine(result)).toMatch(/^routeguide (client|seed)/);
  });
});
