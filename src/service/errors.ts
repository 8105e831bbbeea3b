/**
 * The status codes a RouteGuide call can end with, numbered as gRPC numbers them (so does Connect).
 * The service speaks in these; src/transport/error-status.ts maps errors to them for both transports.
 */
export enum Code {
  OK = 0,
  CANCELLED = 1,
  UNKNOWN = 2,
  INVALID_ARGUMENT = 3,
  DEADLINE_EXCEEDED = 4,
  NOT_FOUND = 5,
  ALREADY_EXISTS = 6,
  PERMISSION_DENIED = 7,
  RESOURCE_EXHAUSTED = 8,
  FAILED_PRECONDITION = 9,
  ABORTED = 10,
  OUT_OF_RANGE = 11,
  UNIMPLEMENTED = 12,
  INTERNAL = 13,
  UNAVAILABLE = 14,
  DATA_LOSS = 15,
  UNAUTHENTICATED = 16,
}

/** An error meant for the client: it carries a status code and a message safe to send. */
export class RouteGuideError extends Error {
  override readonly name = 'RouteGuideError';
  constructor(
    readonly code: Code,
    message: string,
  ) {
    super(message);
  }
}

export function invalidArgument(message: string): RouteGuideError {
  return new RouteGuideError(Code.INVALID_ARGUMENT, message);
}

/**
 * Thrown inside the logic when the call's AbortSignal fired (the client cancelled, the deadline
 * passed, or shutdown ended the call). The transport has already settled the call, so nothing is sent.
 */
export class CallAborted extends Error {
  override readonly name = 'CallAborted';
  constructor() {
    super('the call was aborted');
  }
}

/** Throws CallAborted if `signal` has fired: the check the logic runs between steps. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new CallAborted();
}
