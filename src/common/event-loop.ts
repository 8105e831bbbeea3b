/** Resolves after the event loop has run pending I/O: long loops await it so other work gets a turn. */
export function nextTurn(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}
