import { timingSafeEqual } from 'node:crypto';
import type { Scope } from './scopes.js';
import { TOKEN_PREFIX, tokenHash } from './tokens.js';

/** A client of the auth file: its name (in logs and metrics) and what it may do. */
export interface NamedClient {
  readonly name: string;
  readonly scope: Scope;
}

/** The name logs and metrics give a caller the auth file does not name. */
export const ANONYMOUS = 'anonymous';

/**
 * The clients of an auth file, looked up by the hash of a presented token or by a certificate's
 * common name: one map lookup each, never a loop over the entries.
 */
export class AuthTable {
  constructor(
    private readonly byTokenHash: ReadonlyMap<string, { readonly client: NamedClient; readonly hash: Buffer }>,
    private readonly byCommonName: ReadonlyMap<string, NamedClient>,
  ) {}

  /** The client whose token this is: hashed, looked up, and the hashes compared in constant time. */
  clientOfToken(token: string): NamedClient | undefined {
    const presented = tokenHash(token);
    const entry = this.byTokenHash.get(presented.toString('hex'));
    return entry !== undefined && timingSafeEqual(entry.hash, presented) ? entry.client : undefined;
  }

  clientOfCommonName(commonName: string): NamedClient | undefined {
    return this.byCommonName.get(commonName);
  }

  /** Whether any client is named by a certificate: if none is, a call's certificate is never read. */
  get hasCertificates(): boolean {
    return this.byCommonName.size > 0;
  }

  get size(): number {
    return this.byTokenHash.size + this.byCommonName.size;
  }
}

/** A line of an auth file that does not parse: `line` counts from 1. The message never repeats a credential. */
export class AuthFileError extends Error {
  override readonly name = 'AuthFileError';
  constructor(
    readonly line: number,
    readonly reason: string,
  ) {
    super(`line ${line}: ${reason}`);
  }
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]*$/;
const HASH = /^sha256:([0-9a-fA-F]{64})$/;

/** Why `name` cannot name a client (never repeating it: it may be a token in the wrong place); undefined if it can. */
export function badClientName(name: string): string | undefined {
  if (NAME.test(name) && name !== ANONYMOUS && !name.startsWith(TOKEN_PREFIX)) return undefined;
  return `a client's name must be letters, digits and . _ @ - (starting with a letter or digit), not ${ANONYMOUS}, and not start with ${TOKEN_PREFIX} as tokens do`;
}

/** The line without its comment: `#` at its start or after a space begins one. */
function withoutComment(line: string): string {
  const comment = /(^|\s)#/.exec(line);
  return (comment ? line.slice(0, comment.index) : line).trim();
}

/**
 * Parses an auth file: one client a line, `NAME SCOPE CREDENTIAL` separated by spaces, where the
 * credential is `sha256:HEX` (the SHA-256 of the client's token) or `cert:COMMON NAME` (the rest of
 * the line). A name, a token hash and a common name each appear once. Throws AuthFileError naming
 * the first bad line.
 */
export function parseAuthFile(text: string): AuthTable {
  const byTokenHash = new Map<string, { client: NamedClient; hash: Buffer }>();
  const byCommonName = new Map<string, NamedClient>();
  const lineOfName = new Map<string, number>();
  const lineOfCredential = new Map<string, number>();
  text.split(/\r?\n/).forEach((raw, index) => {
    const number = index + 1;
    const line = withoutComment(raw);
    if (line === '') return;
    const match = /^(\S+)\s+(\S+)\s+(\S.*)$/.exec(line);
    if (!match) throw new AuthFileError(number, 'expected NAME SCOPE CREDENTIAL, separated by spaces');
    const [, name, scope, credential] = match as unknown as [string, string, string, string];
    // Neither a bad name nor a bad scope is repeated: either may be a token in the wrong column.
    const badName = badClientName(name);
    if (badName !== undefined) throw new AuthFileError(number, `the first field: ${badName}`);
    const first = lineOfName.get(name);
    if (first !== undefined) throw new AuthFileError(number, `name ${JSON.stringify(name)} is also on line ${first}; a name appears once`);
    if (scope !== 'read' && scope !== 'write') throw new AuthFileError(number, 'the scope (second field) must be read or write');
    const client: NamedClient = { name, scope };
    const hash = HASH.exec(credential);
    if (hash) {
      const hex = hash[1]!.toLowerCase();
      const same = lineOfCredential.get(`sha256:${hex}`);
      if (same !== undefined) throw new AuthFileError(number, `the same token hash is on line ${same}`);
      lineOfCredential.set(`sha256:${hex}`, number);
      byTokenHash.set(hex, { client, hash: Buffer.from(hex, 'hex') });
    } else if (credential.startsWith('cert:') && credential.length > 'cert:'.length) {
      const commonName = credential.slice('cert:'.length).trim();
      const same = lineOfCredential.get(`cert:${commonName}`);
      if (same !== undefined) throw new AuthFileError(number, `common name ${JSON.stringify(commonName)} is also on line ${same}`);
      lineOfCredential.set(`cert:${commonName}`, number);
      byCommonName.set(commonName, client);
    } else {
      // Never the credential itself: a token pasted here by mistake must not reach a log.
      throw new AuthFileError(number, 'the credential must be sha256:HEX (64 hex digits: the hash routeguide token prints, never the token) or cert:COMMON NAME');
    }
    lineOfName.set(name, number);
  });
  return new AuthTable(byTokenHash, byCommonName);
}
