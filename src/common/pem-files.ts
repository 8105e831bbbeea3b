import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { SettingsError } from './settings.js';

/** Reads a PEM file named by a setting; a failure is a one-line SettingsError naming the setting and the path. */
export function readPem(command: string, setting: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new SettingsError(`${command}: invalid ${setting}=${JSON.stringify(path)}: cannot read the file (${code}); must be a readable PEM file`);
  }
}

/** Checks that Node's TLS accepts the PEM material now, so a bad file stops start-up with one line. */
export function checkPem(command: string, settings: string, material: { cert?: Buffer; key?: Buffer; ca?: Buffer }): void {
  try {
    createSecureContext(material);
  } catch (error) {
    throw new SettingsError(`${command}: invalid ${settings}: ${(error as Error).message}; must be PEM certificates and a matching private key`);
  }
}
