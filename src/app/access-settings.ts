import { readAuthFile, type LoadedAuthFile } from '../access/auth-file-watch.js';
import { AuthFileError } from '../access/auth-file.js';
import type { QuotaLimits, QuotaSettings } from '../access/client-quotas.js';
import type { Scope } from '../access/scopes.js';
import { SettingsError } from '../common/settings.js';

/** Who may call and how much, as start-up takes it. */
export interface AccessStartOptions {
  /** The auth file as read at start; reloaded when it changes. Without one, every caller is anonymous. */
  readonly authFile?: LoadedAuthFile;
  /** What an anonymous caller may do. */
  readonly anonymous: Scope | 'none';
  readonly quotas: QuotaSettings;
}

/** With an auth file, each anonymous address's write rate unless --write-rate says otherwise (notes a second). */
export const ANONYMOUS_WRITE_RATE = 50;
/** With an auth file, each anonymous address's open streams unless --max-streams-per-client says otherwise. */
export const ANONYMOUS_MAX_STREAMS = 100;

/** The settings this reads, as serve's table checks them. */
export interface AccessSettings {
  readonly 'auth-file'?: string;
  readonly anonymous?: Scope | 'none';
  readonly 'write-rate'?: number | 'unlimited';
  readonly 'max-streams-per-client'?: number | 'unlimited';
}

/**
 * A limit for named and anonymous clients: the one given applies to both (`unlimited`: none);
 * unset, an auth file limits anonymous addresses to `anonymousDefault` and leaves named clients
 * free, and without one nothing is limited (today's behaviour: one anonymous address runs the
 * tutorial's clients and the benchmarks).
 */
function limitsFor(given: number | 'unlimited' | undefined, withFile: boolean, anonymousDefault: number): { named?: number; anonymous?: number } {
  if (given === 'unlimited') return {};
  if (given !== undefined) return { named: given, anonymous: given };
  return withFile ? { anonymous: anonymousDefault } : {};
}

/**
 * Access from the settings: reads the auth file now, so that a bad one stops start-up with one line
 * naming the setting and the line (never a credential).
 */
export function accessOptionsFrom(command: string, settings: AccessSettings, name: (setting: string) => string): AccessStartOptions {
  const path = settings['auth-file'];
  let authFile: LoadedAuthFile | undefined;
  if (path !== undefined) {
    try {
      authFile = readAuthFile(path);
    } catch (error) {
      const given = `${name('auth-file')}=${JSON.stringify(path)}`;
      if (error instanceof AuthFileError) throw new SettingsError(`${command}: invalid ${given}: ${error.message}`);
      const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
      throw new SettingsError(`${command}: invalid ${given}: cannot read the file (${code}); must be a readable auth file`);
    }
  }
  const withFile = authFile !== undefined;
  const rate = limitsFor(settings['write-rate'], withFile, ANONYMOUS_WRITE_RATE);
  const streams = limitsFor(settings['max-streams-per-client'], withFile, ANONYMOUS_MAX_STREAMS);
  const named: QuotaLimits = { writeRate: rate.named, maxStreams: streams.named };
  const anonymous: QuotaLimits = { writeRate: rate.anonymous, maxStreams: streams.anonymous };
  return { authFile, anonymous: settings.anonymous ?? (withFile ? 'read' : 'write'), quotas: { named, anonymous } };
}
