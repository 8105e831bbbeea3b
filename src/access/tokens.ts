import { createHash, randomBytes } from 'node:crypto';

/** Marks a routeguide token, so that one pasted in the wrong place is recognisable. */
export const TOKEN_PREFIX = 'rg_';

/** Random bytes in a token: 256 bits, twice the least the issue asks for. */
const TOKEN_BYTES = 32;

/** A new random token, as `routeguide token` prints it. */
export function newToken(): string {
  return TOKEN_PREFIX + randomBytes(TOKEN_BYTES).toString('base64url');
}

/** A token's SHA-256, as the auth file holds it: only hashes are ever stored. */
export function tokenHash(token: string): Buffer {
  return createHash('sha256').update(token, 'utf8').digest();
}

/**
 * The token of an `authorization: Bearer TOKEN` header (the scheme in any case); '' for a header of
 * another form, which no token matches; undefined when there is no header.
 */
export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^\s*bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1]! : '';
}
