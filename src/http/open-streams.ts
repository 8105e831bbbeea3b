/**
 * The streaming calls in flight over HTTP, so that shutdown can wait for them (and report them to
 * the metrics), and end the watches at once, as src/grpc/open-calls.ts does for gRPC.
 */
export class OpenStreams {
  private count = 0;
  private readonly watches = new Set<AbortController>();
  private emptyWaiters: (() => void)[] = [];

  get size(): number {
    return this.count;
  }

  /** Registers a stream; the returned function unregisters it when its handler has finished. */
  add(): () => void {
    this.count++;
    let removed = false;
    return () => {
      if (removed) return;
      removed = true;
      this.count--;
      if (this.count === 0) for (const wake of this.emptyWaiters.splice(0)) wake();
    };
  }

  /** Registers a watch (a stream too): its signal fires when shutdown ends the watches. */
  addWatch(): { readonly signal: AbortSignal; readonly done: () => void } {
    const controller = new AbortController();
    this.watches.add(controller);
    const remove = this.add();
    return {
      signal: controller.signal,
      done: () => {
        this.watches.delete(controller);
        remove();
      },
    };
  }

  /** Ends every watch: each one's handler ends its call with UNAVAILABLE at its next step. */
  endWatches(): void {
    for (const controller of this.watches) controller.abort();
  }

  /** Resolves once no stream is open, or after `timeoutMs`, whichever is first. */
  whenEmpty(timeoutMs: number): Promise<void> {
    if (this.count === 0) return Promise.resolve();
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
