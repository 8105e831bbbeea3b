/** A port the server cannot listen on (in use, not permitted, no such address): one line for the CLI. */
export class ListenError extends Error {
  override readonly name = 'ListenError';
}

/** The useful part of a bind failure: grpc-js wraps the socket errors in "No address added ... errors: [...]". */
export function bindFailureReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return /errors: \[(.*)\]$/.exec(message)?.[1] ?? message;
}
