/** A bad flag, option or value: its message is the one line shown before start-up stops. */
export class SettingsError extends Error {
  override readonly name = 'SettingsError';
}
