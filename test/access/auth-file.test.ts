import { describe, expect, it } from 'vitest';
import { AuthFileError, parseAuthFile } from '../../src/access/auth-file.js';
import { bearerToken, newToken, tokenHash } from '../../src/access/tokens.js';

const hashOf = (token: string): string => `sha256:${tokenHash(token).toString('hex')}`;

function failure(text: string): AuthFileError {
  try {
    parseAuthFile(text);
  } catch (error) {
    if (error instanceof AuthFileError) return error;
    throw error;
  }
  throw new Error('the file parsed');
}

describe('the auth file', () => {
  const alice = newToken();
  const bob = newToken();

  it('names each client by its token hash or its certificate name, with comments and blank lines between', () => {
    const table = parseAuthFile(
      [
        '# who may call',
        '',
        `alice write ${hashOf(alice)}   # the phone app`,
        `bob   read  ${hashOf(bob).toUpperCase().replace('SHA256', 'sha256')}`,
        'kiosk read cert:Lobby Kiosk 3 # a certificate name with spaces',
      ].join('\n'),
    );
    expect(table.clientOfToken(alice)).toEqual({ name: 'alice', scope: 'write' });
    expect(table.clientOfToken(bob)).toEqual({ name: 'bob', scope: 'read' });
    expect(table.clientOfCommonName('Lobby Kiosk 3')).toEqual({ name: 'kiosk', scope: 'read' });
    expect(table.clientOfToken(newToken())).toBeUndefined();
    expect(table.clientOfToken(hashOf(alice))).toBeUndefined();
    expect(table.size).toBe(3);
  });

  it('holds only hashes: a token written into the file is refused, and not repeated', () => {
    const error = failure(`alice write ${alice}`);
    expect(error.line).toBe(1);
    expect(error.message).toMatch(/^line 1: the credential must be sha256:HEX/);
    expect(error.message).not.toContain(alice);
  });

  it.each([
    ['a line of two fields', 'alice write', 'line 1: expected NAME SCOPE CREDENTIAL'],
    ['an unknown scope', `alice admin ${hashOf('x')}`, 'line 1: the scope (second field) must be read or write'],
    ['a name used twice', `a read ${hashOf('x')}\na write ${hashOf('y')}`, 'line 2: name "a" is also on line 1'],
    ['a token hash used twice', `a read ${hashOf('x')}\nb write ${hashOf('x')}`, 'line 2: the same token hash is on line 1'],
    ['a common name used twice', 'a read cert:Kiosk\nb read cert:Kiosk', 'line 2: common name "Kiosk" is also on line 1'],
    ['the name anonymous', `anonymous read ${hashOf('x')}`, "line 1: the first field: a client's name must be"],
    ['a hash too short', 'a read sha256:abcd', 'line 1: the credential must be'],
  ])('refuses %s, naming the line', (_name, text, message) => {
    expect(failure(text).message).toContain(message);
  });

  it('never repeats a token found in the name or scope column', () => {
    expect(failure(`${alice} write ${hashOf(alice)}`).message).not.toContain(alice);
    expect(failure(`alice ${alice} ${hashOf(alice)}`).message).not.toContain(alice);
  });
});

describe('tokens', () => {
  it('are random, at least 128 bits, and distinct', () => {
    const tokens = new Set(Array.from({ length: 100 }, () => newToken()));
    expect(tokens.size).toBe(100);
    for (const token of tokens) expect(Buffer.from(token.slice(3), 'base64url').length * 8).toBeGreaterThanOrEqual(128);
  });

  it('are read from authorization: Bearer, the scheme in any case; another form matches no token', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('bearer  abc ')).toBe('abc');
    expect(bearerToken('Basic dXNlcjpwYXNz')).toBe('');
    expect(bearerToken(undefined)).toBeUndefined();
  });
});
