/** A port the server cannot listen on (in use, not permitted, no such address): one line for the CLI. */
export class ListenError extends Error {
  override readonly name = 'ListenError';
}
