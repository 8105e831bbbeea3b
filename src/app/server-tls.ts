import { checkPem, readPem } from '../common/pem-files.js';
import { SettingsError } from '../common/settings.js';
import type { ServerTls } from '../common/tls.js';

export interface ServerTlsFiles {
  readonly 'tls-cert'?: string;
  readonly 'tls-key'?: string;
  readonly 'tls-client-ca'?: string;
}

/** How a setting is named to the user: `--tls-cert` on the command line, `tlsCert` in the library. */
export type SettingName = (setting: string) => string;

/**
 * The server's TLS material from tls-cert/tls-key (TLS) and tls-client-ca (mTLS), read and checked now
 * so that a bad file stops start-up with one line naming the setting; undefined for plaintext.
 */
export function serverTlsFrom(command: string, files: ServerTlsFiles, name: SettingName = (setting) => `--${setting}`): ServerTls | undefined {
  const { 'tls-cert': certFile, 'tls-key': keyFile, 'tls-client-ca': clientCaFile } = files;
  if (certFile === undefined && keyFile === undefined) {
    if (clientCaFile !== undefined) {
      throw new SettingsError(
        `${command}: ${name('tls-client-ca')} needs ${name('tls-cert')} and ${name('tls-key')}: client certificates are checked only over TLS`,
      );
    }
    return undefined;
  }
  if (certFile === undefined || keyFile === undefined) {
    throw new SettingsError(
      `${command}: ${name('tls-cert')} and ${name('tls-key')} go together; got only ${name(certFile === undefined ? 'tls-key' : 'tls-cert')}`,
    );
  }
  const cert = readPem(command, name('tls-cert'), certFile);
  const key = readPem(command, name('tls-key'), keyFile);
  checkPem(command, `${name('tls-cert')}/${name('tls-key')}`, { cert, key });
  const clientCa = clientCaFile === undefined ? undefined : readPem(command, name('tls-client-ca'), clientCaFile);
  if (clientCa) checkPem(command, name('tls-client-ca'), { ca: clientCa });
  return { cert, key, clientCa };
}
