import { credentials, type ChannelCredentials } from '@grpc/grpc-js';
import { checkPem, readPem } from '../common/pem-files.js';
import { SettingsError } from '../common/settings.js';

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
  const ca = caFile === undefined ? null : readPem(command, '--tls-ca', caFile);
  if (ca) checkPem(command, '--tls-ca', { ca });
  const cert = certFile === undefined ? null : readPem(command, '--tls-cert', certFile);
  const key = keyFile === undefined ? null : readPem(command, '--tls-key', keyFile);
  if (cert && key) checkPem(command, '--tls-cert/--tls-key', { cert, key });
  return credentials.createSsl(ca, key, cert);
}
