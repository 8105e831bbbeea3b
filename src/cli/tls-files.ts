import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { credentials, type ChannelCredentials } from '@grpc/grpc-js';
import type { ServerTls } from '../common/tls.js';
import { SettingsError } from './settings.js';

/** Reads a PEM file named by a setting; a failure is a one-line SettingsError naming the setting. */
function readPem(command: string, flag: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new SettingsError(`${command}: invalid --${flag}=${JSON.stringify(path)}: cannot read the file (${code}); must be a readable PEM file`);
  }
}

/** Checks that Node's TLS accepts the PEM material now, so a bad file stops start-up with one line. */
function checkPem(command: string, flags: string, material: { cert?: Buffer; key?: Buffer; ca?: Buffer }): void {
  try {
    createSecureContext(material);
  } catch (error) {
    throw new SettingsError(`${command}: invalid ${flags}: ${(error as Error).message}; must be PEM certificates and a matching private key`);
  }
}

export interface ServerTlsFiles {
  readonly 'tls-cert'?: string;
  readonly 'tls-key'?: string;
  readonly 'tls-client-ca'?: string;
}

/** The server's TLS material from --tls-cert/--tls-key (TLS) and --tls-client-ca (mTLS); undefined for plaintext. */
export function serverTlsFrom(command: string, files: ServerTlsFiles): ServerTls | undefined {
  const { 'tls-cert': certFile, 'tls-key': keyFile, 'tls-client-ca': clientCaFile } = files;
  if (certFile === undefined && keyFile === undefined) {
    if (clientCaFile !== undefined) {
      throw new SettingsError(`${command}: --tls-client-ca needs --tls-cert and --tls-key: client certificates are checked only over TLS`);
    }
    return undefined;
  }
  if (certFile === undefined || keyFile === undefined) {
    throw new SettingsError(`${command}: --tls-cert and --tls-key go together; got only --${certFile === undefined ? 'tls-key' : 'tls-cert'}`);
  }
  const cert = readPem(command, 'tls-cert', certFile);
  const key = readPem(command, 'tls-key', keyFile);
  checkPem(command, '--tls-cert/--tls-key', { cert, key });
  const clientCa = clientCaFile === undefined ? undefined : readPem(command, 'tls-client-ca', clientCaFile);
  if (clientCa) checkPem(command, '--tls-client-ca', { ca: clientCa });
  return { cert, key, clientCa };
}

export interface ClientTlsFiles {
  readonly tls: boolean;
  readonly 'tls-ca'?: string;
  readonly 'tls-cert'?: string;
  readonly 'tls-key'?: string;
}

/** Channel credentials for the client commands: TLS when --tls or any --tls-* is given, else plaintext. */
export function clientCredentialsFrom(command: string, files: ClientTlsFiles): ChannelCredentials {
  const { tls, 'tls-ca': caFile, 'tls-cert': certFile, 'tls-key': keyFile } = files;
  if (!tls && caFile === undefined && certFile === undefined && keyFile === undefined) return credentials.createInsecure();
  if ((certFile === undefined) !== (keyFile === undefined)) {
    throw new SettingsError(`${command}: --tls-cert and --tls-key go together; got only --${certFile === undefined ? 'tls-key' : 'tls-cert'}`);
  }
  const ca = caFile === undefined ? null : readPem(command, 'tls-ca', caFile);
  if (ca) checkPem(command, '--tls-ca', { ca });
  const cert = certFile === undefined ? null : readPem(command, 'tls-cert', certFile);
  const key = keyFile === undefined ? null : readPem(command, 'tls-key', keyFile);
  if (cert && key) checkPem(command, '--tls-cert/--tls-key', { cert, key });
  return credentials.createSsl(ca, key, cert);
}
