/** Ends one thing in flight; `reason` says how (a transport's status, or nothing). */
export type EndInFlight<Reason> = (reason: Reason) => void;

/**
 * What a server has in flight (its open streams, its requests), so that shutdown can end each one
 * once and then wait for their handlers to finish, for at most a given time, before storage closes.
 * Both transports use it: gRPC ends its calls with a status, HTTP aborts its watches.
 */
export class InFlight<Reason = void> {
  /** Each registration and how to end it: no `end` for one only waited for, and none once it was used. */
  private readonly entries = new Set<{ end: EndInFlight<Reason> | undefined }>();
  private emptyWaiters: (() => void)[] = [];

  get size(): number {
    return this.entries.size;
  }

  /**
   * Registers one, with how shutdown may end it (`endAll`); without `end` it is only waited for.
   * The returned function unregisters it when its handler has finished (calling it again does nothing).
   */
  add(end?: EndInFlight<Reason>): () => void {
    const entry = { end };
    this.entries.add(entry);
    return () => {
      if (!this.entries.delete(entry)) return;
      if (this.entries.size === 0) for (const wake of this.emptyWaiters.splice(0)) wake();
    };
  }

  /** Ends each one registered with an `end`, once: their handlers stop at their next step and unregister. */
  endAll(reason: Reason): void {
    for (const entry of [...this.entries]) {
      const { end } = entry;
      if (end === undefined) continue;
      entry.end = undefined;
      end(reason);
    }
  }

  /** Resolves once nothing is in flight, or after `timeoutMs`, whichever is first. */
  whenEmpty(timeoutMs: number): Promise<void> {
    if (this.entries.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      timer.unref();
      this.emptyWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
