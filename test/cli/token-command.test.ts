import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { accessOptions } from '../support/access.js';
import { ensureBuilt, runCli } from '../support/cli.js';
import { startTestServer, temporaryDirectory, type TestServer } from '../support/servers.js';

describe('routeguide token, and the client commands with --token-file', () => {
  const directory = temporaryDirectory();
  let server: TestServer | undefined;
  beforeAll(() => ensureBuilt(), 120_000);
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });
  afterAll(() => directory.remove());

  it('prints a new token and the line for the auth file; a client with the token in --token-file may then write', { timeout: 30_000 }, async () => {
    const made = await runCli(['token', 'alice', '--scope', 'write']);
    expect(made.code).toBe(0);
    const [intro, token, lineIntro, line] = made.stdout.trimEnd().split('\n');
    expect(intro).toBe('token for alice (give it to the client; it is not stored anywhere):');
    expect(token).toMatch(/^rg_[A-Za-z0-9_-]{43}$/);
    expect(lineIntro).toBe("line for the auth file (it holds only the token's hash):");
    expect(line).toMatch(/^alice write sha256:[0-9a-f]{64}$/);
    expect(line).not.toContain(token!);
    const authFile = join(directory.path, 'clients.auth');
    writeFileSync(authFile, `${line}\n`);
    const tokenFile = join(directory.path, 'alice.token');
    writeFileSync(tokenFile, `${token}\n`);
    server = await startTestServer({ access: accessOptions({ 'auth-file': authFile }) });

    const posted = await runCli(['client', 'post', '1', '1', 'hello', '--target', server.target, '--token-file', tokenFile]);
    expect(posted.stderr).toBe('');
    expect(posted.code).toBe(0);
    const fromEnvironment = await runCli(['client', 'post', '1', '1', 'again', '--target', server.target], { env: { ROUTEGUIDE_CLIENT_TOKEN_FILE: tokenFile } });
    expect(fromEnvironment.code).toBe(0);
    const anonymous = await runCli(['client', 'post', '1', '1', 'hello', '--target', server.target]);
    expect(anonymous.code).toBe(1);
    expect(anonymous.stderr.trim()).toBe(
      'routeguide client post: UNAUTHENTICATED: PostNote needs a token with the write scope (authorization: Bearer TOKEN); anonymous callers may only read',
    );
  });

  it.each([
    [['token', 'alice'], 'routeguide token: --scope read or --scope write is required; usage: routeguide token NAME --scope read|write'],
    [['token', 'alice', '--scope', 'admin'], 'routeguide token: invalid --scope="admin": must be one of read, write'],
    [['token', 'anonymous', '--scope', 'read'], "routeguide token: a client's name must be letters, digits and . _ @ - (starting with a letter or digit), not anonymous, and not start with rg_ as tokens do"],
    [['token', '--scope', 'read'], "routeguide token: expected one argument, the client's name, got 0; usage: routeguide token NAME --scope read|write"],
  ])('routeguide %j is a usage mistake, in one line', async (args, message) => {
    const result = await runCli(args);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe(message);
  });

  it('a token file that cannot be read, or holds more than a token, is one line that never shows its contents', async () => {
    const missing = await runCli(['client', 'get', '1', '1', '--token-file', join(directory.path, 'none.token')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim()).toBe(`routeguide client get: invalid --token-file="${join(directory.path, 'none.token')}": cannot read the file (ENOENT); must be a readable file holding a token`);
    const two = join(directory.path, 'two.token');
    writeFileSync(two, 'rg_secret-one\nrg_secret-two\n');
    const twoLines = await runCli(['client', 'get', '1', '1', '--token-file', two]);
    expect(twoLines.code).toBe(2);
    expect(twoLines.stderr).not.toContain('secret');
  });
});
