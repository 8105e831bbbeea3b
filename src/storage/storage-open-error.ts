/** Thrown when a storage the URL names cannot be opened: a bad file, a refused login, a missing database. */
export class StorageOpenError extends Error {
  override readonly name = 'StorageOpenError';
}
