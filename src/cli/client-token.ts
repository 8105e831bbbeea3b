import { readFileSync } from 'node:fs';
import { SettingsError } from '../common/settings.js';

/**
 * The token in a --token-file: the file's one line, spaces around it ignored. There is no flag that
 * takes the token itself, since a flag shows in `ps`. Errors name the file, never its contents.
 */
export function readTokenFile(command: string, setting: string, path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new SettingsError(`${command}: invalid ${setting}=${JSON.stringify(path)}: cannot read the file (${code}); must be a readable file holding a token`);
  }
  const token = text.trim();
  if (token === '' || /\s/.test(token)) {
    throw new SettingsError(`${command}: invalid ${setting}=${JSON.stringify(path)}: must hold one token, on one line, as routeguide token printed it`);
  }
  return token;
}
