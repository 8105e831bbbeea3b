import { Access } from '../access/access.js';
import { watchAuthFile } from '../access/auth-file-watch.js';
import type { QuotaLimits } from '../access/client-quotas.js';
import type { Logger } from '../observability/logger.js';
import type { AccessStartOptions } from './access-settings.js';
import type { Closable } from './opened.js';

/** The access rules start-up put in place, if any, and the watch of the auth file to stop. */
export interface OpenedAccess extends Closable {
  /** Undefined when nothing is restricted: every call passes as today, and no layer is added to it. */
  readonly access?: Access;
}

function limits(quota: QuotaLimits): string {
  const rate = quota.writeRate === undefined ? 'unlimited notes' : `${quota.writeRate} notes a second`;
  const streams = quota.maxStreams === undefined ? 'unlimited streams' : `${quota.maxStreams} streams`;
  return `${rate}, ${streams}`;
}

/**
 * The access rules both ports share, with the auth file watched for changes. Without an auth file,
 * with anonymous writing and no quota (the defaults), there are none: the ports then add nothing
 * to a call, and every caller is anonymous.
 */
export function openAccess(options: AccessStartOptions | undefined, log: Logger): OpenedAccess {
  if (options === undefined) return { close() {} };
  const { authFile, anonymous, quotas } = options;
  const limited = [quotas.named, quotas.anonymous].some((quota) => quota.writeRate !== undefined || quota.maxStreams !== undefined);
  if (authFile === undefined && anonymous === 'write' && !limited) return { close() {} };
  const watch = authFile === undefined ? undefined : watchAuthFile(authFile, log);
  const access = new Access({ anonymous, quotas, table: watch ? () => watch.current() : () => undefined });
  log.info(
    {
      authFile: authFile?.path,
      clients: authFile?.table.size ?? 0,
      anonymous,
      namedQuota: limits(quotas.named),
      anonymousQuota: limits(quotas.anonymous),
    },
    'access rules in force',
  );
  return { access, close: () => watch?.stop() };
}
