import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConnectError, type Interceptor } from '@connectrpc/connect';
import type { ServiceError } from '@grpc/grpc-js';
import { accessOptionsFrom, type AccessSettings, type AccessStartOptions } from '../../src/app/access-settings.js';
import { newToken, tokenHash } from '../../src/access/tokens.js';

/** One client of a test's auth file, with its token (when it is named by one). */
export interface TestClient {
  readonly name: string;
  readonly scope: 'read' | 'write';
  readonly token?: string;
  /** Named by a certificate's common name instead of a token. */
  readonly commonName?: string;
}

/** Writes an auth file of these clients, each by its token's hash or its certificate's name; returns its path. */
export function writeAuthFile(directory: string, clients: readonly TestClient[], file = 'clients.auth'): string {
  const path = join(directory, file);
  const lines = clients.map(({ name, scope, token, commonName }) => `${name} ${scope} ${commonName === undefined ? `sha256:${tokenHash(token!).toString('hex')}` : `cert:${commonName}`}`);
  writeFileSync(path, `# routeguide test clients\n${lines.join('\n')}\n`);
  return path;
}

/** A reader and a writer named by fresh tokens. */
export function testClients(): { reader: TestClient; writer: TestClient } {
  return { reader: { name: 'reader', scope: 'read', token: newToken() }, writer: { name: 'writer', scope: 'write', token: newToken() } };
}

/** Start options for access, as serve builds them from these settings. */
export function accessOptions(settings: AccessSettings): AccessStartOptions {
  return accessOptionsFrom('test', settings, (name) => `--${name}`);
}

/** A Connect interceptor that sends `authorization: Bearer TOKEN`. */
export function bearer(token: string): Interceptor {
  return (next) => (request) => {
    request.header.set('authorization', `Bearer ${token}`);
    return next(request);
  };
}

/** How a call ended: its code (gRPC's numbers, which Connect shares) and message. */
export interface Outcome {
  readonly code: number;
  readonly message: string;
}

/** Runs a call to its end and reports how it ended, over gRPC or Connect alike. */
export async function outcomeOf(call: () => Promise<unknown>): Promise<Outcome> {
  try {
    await call();
    return { code: 0, message: '' };
  } catch (error) {
    if (error instanceof ConnectError) return { code: error.code, message: error.rawMessage };
    const grpc = error as ServiceError;
    if (typeof grpc.code === 'number') return { code: grpc.code, message: grpc.details };
    throw error;
  }
}
