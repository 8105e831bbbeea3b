/**
 * The backend cannot be reached right now (a database server restarting, say). The call may succeed
 * if tried again; the transport answers UNAVAILABLE rather than INTERNAL.
 */
export class StorageUnavailableError extends Error {
  override readonly name = 'StorageUnavailableError';
}
