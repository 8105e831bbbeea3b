/**
 * The contract's closed error (see Storage.close): every call on a storage once close() has begun
 * rejects with it, as does a scan or prune in progress at its next step. `storage` names the
 * backend and where it is, e.g. `SQLite storage ./data/rg.db`; a PostgreSQL URL is redacted first.
 */
export class StorageClosedError extends Error {
  override readonly name = 'StorageClosedError';
  constructor(storage: string, options?: ErrorOptions) {
    super(`${storage} is closed`, options);
  }
}
