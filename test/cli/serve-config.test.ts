import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { environmentName } from '../../src/common/settings.js';
import { serveSettings } from '../../src/cli/serve-command.js';
import { ensureBuilt, runCli } from '../support/cli.js';

/** So that a serve which wrongly got past validation binds no fixed port and writes no ./data. */
const HARMLESS = ['--port', '0', '--storage', 'memory:'];

describe('routeguide serve configuration', () => {
  beforeAll(() => ensureBuilt(), 60_000);

  it('rejects a bad flag value with one line naming the setting, the value and what is allowed', async () => {
    const result = await runCli(['serve', ...HARMLESS, '--max-concurrent-streams', 'lots']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.trimEnd().split('\n')).toEqual([
      'routeguide serve: invalid --max-concurrent-streams="lots": must be an integer between 1 and 2147483647',
    ]);
    expect(result.leftInWorkingDirectory).toEqual([]);
  });

  it('rejects a bad environment value naming the variable', async () => {
    const result = await runCli(['serve', ...HARMLESS], { env: { ROUTEGUIDE_LOG_LEVEL: 'loud' } });
    expect(result.code).toBe(2);
    expect(result.stderr.trimEnd().split('\n')).toEqual([
      'routeguide serve: invalid ROUTEGUIDE_LOG_LEVEL="loud": must be one of fatal, error, warn, info, debug, trace, silent',
    ]);
    expect(result.leftInWorkingDirectory).toEqual([]);
  });

  it('rejects a TLS certificate without its key in one line', async () => {
    const result = await runCli(['serve', ...HARMLESS, '--tls-cert', 'server.pem']);
    expect(result.code).toBe(2);
    expect(result.stderr.trimEnd().split('\n')).toEqual(['routeguide serve: --tls-cert and --tls-key go together; got only --tls-cert']);
    expect(result.leftInWorkingDirectory).toEqual([]);
  });

  it('rejects an unreadable TLS file naming the setting and the path', async () => {
    const result = await runCli(['serve', ...HARMLESS, '--tls-cert', '/nonexistent/cert.pem', '--tls-key', '/nonexistent/key.pem']);
    expect(result.code).toBe(2);
    expect(result.stderr.trimEnd().split('\n')).toEqual([
      'routeguide serve: invalid --tls-cert="/nonexistent/cert.pem": cannot read the file (ENOENT); must be a readable PEM file',
    ]);
    expect(result.leftInWorkingDirectory).toEqual([]);
  });

  it('a bad --auth-file stops start-up with one line naming the file and the line, never the credential on it', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'routeguide-auth-'));
    try {
      const path = join(directory, 'clients.auth');
      writeFileSync(path, '# clients\nalice write rg_the-token-itself\n');
      const result = await runCli(['serve', ...HARMLESS, '--auth-file', path]);
      expect(result.code).toBe(2);
      expect(result.stderr.trimEnd().split('\n')).toEqual([
        `routeguide serve: invalid --auth-file="${path}": line 2: the credential must be sha256:HEX (64 hex digits: the hash routeguide token prints, never the token) or cert:COMMON NAME`,
      ]);
      const missing = await runCli(['serve', ...HARMLESS], { env: { ROUTEGUIDE_AUTH_FILE: join(directory, 'none.auth') } });
      expect(missing.stderr.trim()).toBe(`routeguide serve: invalid --auth-file="${join(directory, 'none.auth')}": cannot read the file (ENOENT); must be a readable auth file`);
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  });

  it.each([
    [['--anonymous', 'everyone'], 'routeguide serve: invalid --anonymous="everyone": must be one of none, read, write'],
    [['--write-rate', '0'], 'routeguide serve: invalid --write-rate="0": must be a number greater than 0, or unlimited'],
    [['--max-streams-per-client', '2.5'], 'routeguide serve: invalid --max-streams-per-client="2.5": must be an integer between 1 and 2147483647, or unlimited'],
    [['--http-headers-timeout', '0'], 'routeguide serve: invalid --http-headers-timeout="0": must be a number of seconds greater than 0'],
  ])('serve %j is refused in one line', async (flags, message) => {
    const result = await runCli(['serve', ...HARMLESS, ...flags]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe(message);
  });

  it('--help lists every setting with its environment variable and default', async () => {
    const result = await runCli(['serve', '--help']);
    expect(result.code).toBe(0);
    for (const [name, spec] of Object.entries(serveSettings)) {
      const row = result.stdout.split('\n').find((line) => line.trimStart().startsWith(`--${name} `));
      expect(row, `--${name}`).toBeDefined();
      expect(row).toContain(`env ${environmentName(name)}`);
      expect(row).toContain(`default ${spec.defaultText}`);
    }
  });

  it('stops with one line when the port is taken', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as AddressInfo;
    try {
      const result = await runCli(['serve', '--storage', 'memory:', '--port', String(port), '--log-level', 'silent']);
      expect(result.code).toBe(1);
      expect(result.stderr.trimEnd().split('\n')).toEqual([
        `routeguide serve: cannot listen on 127.0.0.1:${port}: listen EADDRINUSE: address already in use 127.0.0.1:${port}`,
      ]);
    } finally {
      taken.close();
    }
  });
});
