import { status } from '@grpc/grpc-js';

/** An error a gRPC call ended with: a status code and the details. */
export type StatusError = Error & { code: status; details: string };

export function isStatusError(error: unknown): error is StatusError {
  return error instanceof Error && typeof (error as { code?: unknown }).code === 'number' && 'details' in error;
}

/**
 * `UNAVAILABLE: No connection established. Last error: ...`: the status and its details, without the
 * empty `Resolution note: ` grpc-js ends some details with (a note that says something stays).
 * `timeoutMs` is the client's own deadline: its expiry is told as that, not as grpc-js's timings.
 */
export function statusText(error: StatusError, timeoutMs?: number): string {
  let details = error.details.replace(/\s*Resolution note:\s*$/, '');
  if (error.code === status.DEADLINE_EXCEEDED && timeoutMs !== undefined && /^Deadline exceeded after/.test(details)) {
    details = `the call did not end within the ${timeoutMs / 1000} s timeout`;
  }
  return `${status[error.code]}: ${details}`;
}
