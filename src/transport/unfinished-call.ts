import type { CallEnd } from '../observability/call-observer.js';
import { Code } from '../service/errors.js';

const DEADLINE_PASSED: Pick<CallEnd, 'code' | 'details'> = { code: Code.DEADLINE_EXCEEDED, details: 'Deadline exceeded' };
const CLIENT_LEFT: Pick<CallEnd, 'code' | 'details'> = { code: Code.CANCELLED, details: 'Cancelled' };

/**
 * How a call that ended without a status from the server is reported to the observers, on either
 * port: DEADLINE_EXCEEDED once its deadline has passed, CANCELLED otherwise (the client went away).
 */
export function unfinishedCallEnd(deadlinePassed: boolean): Pick<CallEnd, 'code' | 'details'> {
  return deadlinePassed ? DEADLINE_PASSED : CLIENT_LEFT;
}
