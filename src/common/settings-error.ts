import { UserError } from './user-error.js';

/** A bad flag, option or value: its message is the one line shown before start-up stops. */
export class SettingsError extends UserError {
  override readonly name = 'SettingsError';
  readonly exitCode = 2;
  override readonly namesCommand = true;
}
