import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { readAuthFile, watchAuthFile, type AuthFileWatch } from '../../src/access/auth-file-watch.js';
import { newToken, tokenHash } from '../../src/access/tokens.js';
import { captureLog } from '../support/captured-log.js';
import { temporaryDirectory } from '../support/servers.js';

const line = (name: string, scope: string, token: string): string => `${name} ${scope} sha256:${tokenHash(token).toString('hex')}\n`;

describe('watching the auth file', () => {
  const directory = temporaryDirectory();
  const path = join(directory.path, 'clients.auth');
  let watch: AuthFileWatch | undefined;
  afterAll(() => directory.remove());
  afterEach(() => {
    watch?.stop();
    watch = undefined;
  });

  it('a change takes effect at the next check, with no restart', async () => {
    const [alice, bob] = [newToken(), newToken()];
    writeFileSync(path, line('alice', 'read', alice));
    const captured = captureLog('info');
    watch = watchAuthFile(readAuthFile(path), captured.log, 60_000);
    expect(watch.current().clientOfToken(bob)).toBeUndefined();
    writeFileSync(path, line('alice', 'write', alice) + line('bob', 'read', bob));
    await watch.check();
    expect(watch.current().clientOfToken(alice)).toEqual({ name: 'alice', scope: 'write' });
    expect(watch.current().clientOfToken(bob)).toEqual({ name: 'bob', scope: 'read' });
    expect(captured.lines.map((entry) => entry.msg)).toEqual(['auth file reloaded']);
  });

  it("an editor's save by rename counts as a change", async () => {
    const [alice, carol] = [newToken(), newToken()];
    writeFileSync(path, line('alice', 'read', alice));
    watch = watchAuthFile(readAuthFile(path), captureLog().log, 60_000);
    const saved = join(directory.path, 'clients.auth.tmp');
    writeFileSync(saved, line('carol', 'read', carol));
    renameSync(saved, path);
    await watch.check();
    expect(watch.current().clientOfToken(carol)).toEqual({ name: 'carol', scope: 'read' });
    expect(watch.current().clientOfToken(alice)).toBeUndefined();
  });

  it('a broken file keeps the clients before it in force, and is logged once, naming the bad line and no token', async () => {
    const alice = newToken();
    writeFileSync(path, line('alice', 'write', alice));
    const captured = captureLog('info');
    watch = watchAuthFile(readAuthFile(path), captured.log, 60_000);
    const leaked = newToken();
    writeFileSync(path, `${line('alice', 'write', alice)}# a token pasted where its hash belongs:\nbob read ${leaked}\n`);
    await watch.check();
    await watch.check();
    expect(watch.current().clientOfToken(alice)).toEqual({ name: 'alice', scope: 'write' });
    expect(captured.lines).toHaveLength(1);
    expect(captured.lines[0]).toMatchObject({ level: 50, line: 3 });
    expect(String(captured.lines[0]!.msg)).toMatch(/^auth file line 3: the credential must be sha256:HEX.*; the clients loaded before stay in force$/);
    expect(JSON.stringify(captured.lines)).not.toContain(leaked);
    expect(JSON.stringify(captured.lines)).not.toContain(alice);
  });

  it('a file that disappears keeps the clients in force, logged once, and a new file is read when it appears', async () => {
    const [alice, dave] = [newToken(), newToken()];
    writeFileSync(path, line('alice', 'read', alice));
    const captured = captureLog('info');
    watch = watchAuthFile(readAuthFile(path), captured.log, 60_000);
    rmSync(path);
    await watch.check();
    await watch.check();
    expect(watch.current().clientOfToken(alice)).toEqual({ name: 'alice', scope: 'read' });
    writeFileSync(path, line('dave', 'write', dave));
    await watch.check();
    expect(watch.current().clientOfToken(dave)).toEqual({ name: 'dave', scope: 'write' });
    expect(captured.lines.map((entry) => entry.msg)).toEqual(['cannot read the auth file; the clients loaded before stay in force', 'auth file reloaded']);
  });
});
