import { credentials, type ChannelCredentials } from '@grpc/grpc-js';
import { checkPem, readPem } from '../common/pem-files.js';
import { SettingsError } from '../common/settings.js';

export interface ClientTlsFiles {
  readonly tls: boolean;
  readonly 'tls-ca'?: string;
  readonly 'tls-cert'?: string;
  readonly 'tls-key'?: string;
}

/**
 * Channel credentials for the client commands: TLS when --tls or any --tls-* is given, else plaintext.
 * `source` names a setting as the user gave it (a flag or an environment variable) in error messages.
 */
export function clientCredentialsFrom(
  command: string,
  files: ClientTlsFiles,
  source: (name: string) => string = (name) => `--${name}`,
): ChannelCredentials {
  const { tls, 'tls-ca': caFile, 'tls-cert': certFile, 'tls-key': keyFile } = files;
  if (!tls && caFile === undefined && certFile === undefined && keyFile === undefined) return credentials.createInsecure();
  if ((certFile === undefined) !== (keyFile === undefined)) {
    throw new SettingsError(`${command}: --tls-cert and --tls-key go together; got only ${source(certFile === undefined ? 'tls-key' : 'tls-cert')}`);
  }
  const ca = caFile === undefined ? null : readPem(command, source('tls-ca'), caFile);
  if (ca) checkPem(command, source('tls-ca'), { ca });
  const cert = certFile === undefined ? null : readPem(command, source('tls-cert'), certFile);
  const key = keyFile === undefined ? null : readPem(command, source('tls-key'), keyFile);
  if (cert && key) checkPem(command, `${source('tls-cert')}/${source('tls-key')}`, { cert, key });
  return credentials.createSsl(ca, key, cert);
}
