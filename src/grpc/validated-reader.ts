import type { z } from 'zod';
import { CallAborted } from '../service/errors.js';
import { validate } from '../service/validation.js';
import type { CallSignal } from './call-signal.js';
import type { ReadableCall } from './call-streaming.js';

/** How many validated messages `validatedBatches` holds, not yet taken, before it pauses the call. */
export const MAX_BATCH = 256;
/**
 * The same for `validated`, whose consumer may stop taking for a while (RouteChat, waiting for its
 * notes to be answered): as many as grpc-js's own stream buffers (its high-water mark).
 */
export const MAX_QUEUED_MESSAGES = 16;

/**
 * A client stream's requests, validated as they arrive. It reads in flowing mode ('data' events,
 * as a bare grpc-js handler does), which costs less per message than `read()` with 'readable'
 * events or the stream's async iterator, and queues what the consumer has not taken yet; past
 * `maxQueued` it pauses the call, so memory stays flat however fast the client sends.
 *
 * The consumer is woken for messages after the event loop's current turn (setImmediate), not at
 * each one: grpc-js hands over one message per tick, so a consumer woken at once would take them
 * one at a time, while every message of a network read arrives within one turn.
 *
 * The first bad message stops the reading: the messages before it are handed over first, then the
 * consumer gets the INVALID_ARGUMENT error, naming the message's position (`field[i]`).
 */
class ValidatedReader<T> {
  private queue: T[] = [];
  private position = 0;
  private ended = false;
  private failure: { readonly error: unknown } | undefined;
  private wake: (() => void) | undefined;
  private paused = false;
  private wakeScheduled = false;

  constructor(
    private readonly call: ReadableCall,
    private readonly signal: AbortSignal,
    private readonly schema: z.ZodType<T>,
    private readonly field: string,
    private readonly maxQueued: number,
  ) {
    call.on('data', this.onData);
    call.on('end', this.onEnd);
    call.on('close', this.onClose);
    signal.addEventListener('abort', this.woken);
  }

  private readonly woken = (): void => {
    const resolve = this.wake;
    this.wake = undefined;
    resolve?.();
  };

  /** Wakes the consumer after this turn, once, so that it takes everything this turn brings. */
  private readonly wakeSoon = (): void => {
    if (this.wake === undefined || this.wakeScheduled) return;
    this.wakeScheduled = true;
    setImmediate(this.wakeNow);
  };

  private readonly wakeNow = (): void => {
    this.wakeScheduled = false;
    this.woken();
  };

  private readonly onData = (message: unknown): void => {
    if (this.failure !== undefined) return;
    try {
      this.queue.push(validate(this.schema, message, `${this.field}[${this.position++}]`));
    } catch (error) {
      this.failure = { error };
      this.stop();
    }
    if (this.queue.length >= this.maxQueued && !this.paused) {
      this.paused = true;
      this.call.pause();
    }
    this.wakeSoon();
  };

  private readonly onEnd = (): void => {
    this.ended = true;
    this.woken();
  };

  private readonly onClose = (): void => {
    // grpc-js destroys the request stream on cancel, with no 'end': that is an end, not a failure.
    if (!this.ended && this.failure === undefined) {
      const cancelled = this.signal.aborted || (this.call as { cancelled?: boolean }).cancelled === true;
      this.failure = { error: cancelled ? new CallAborted() : (this.call.errored ?? new CallAborted()) };
    }
    this.woken();
  };

  /** Stops reading: the call is paused (what is not read stays with grpc-js and the client) and no longer watched. */
  stop(): void {
    this.call.pause();
    this.detach();
  }

  private detach(): void {
    this.call.off('data', this.onData);
    this.call.off('end', this.onEnd);
    this.call.off('close', this.onClose);
    this.signal.removeEventListener('abort', this.woken);
  }

  /**
   * Every message queued (about `maxQueued` at most), or, once none is, the end (undefined) or the error
   * that stopped the reading. Throws CallAborted once the call is over.
   */
  async take(): Promise<T[] | undefined> {
    for (;;) {
      if (this.signal.aborted) {
        this.detach();
        throw new CallAborted();
      }
      if (this.queue.length > 0) {
        const batch = this.queue;
        this.queue = [];
        if (this.paused) {
          this.paused = false;
          this.call.resume();
        }
        return batch;
      }
      if (this.failure !== undefined) {
        this.detach();
        throw this.failure.error;
      }
      if (this.ended) {
        this.detach();
        return undefined;
      }
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }
}

/**
 * Yields the requests of a client stream in batches, each validated: all that arrived since the
 * last batch, so a long stream costs one promise hop per batch rather than several per message.
 */
export async function* validatedBatches<T>(call: ReadableCall, { signal }: CallSignal, schema: z.ZodType<T>, field: string): AsyncGenerator<T[]> {
  const reader = new ValidatedReader(call, signal, schema, field, MAX_BATCH);
  try {
    for (let batch = await reader.take(); batch !== undefined; batch = await reader.take()) yield batch;
  } finally {
    reader.stop();
  }
}

/**
 * Yields each request of a client stream after validating it; the first bad one throws, after
 * those before it. Messages that arrive together are handed over from one batch, without a hop
 * through the stream for each.
 */
export function validated<T>(call: ReadableCall, { signal }: CallSignal, schema: z.ZodType<T>, field: string): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator]() {
      const reader = new ValidatedReader(call, signal, schema, field, MAX_QUEUED_MESSAGES);
      let batch: T[] = [];
      let next = 0;
      return {
        async next(): Promise<IteratorResult<T>> {
          if (next < batch.length) {
            // Checked per message, as the stream's own iterator did: a call that is over hands out nothing more.
            if (signal.aborted) throw new CallAborted();
            return { value: batch[next++]!, done: false };
          }
          const taken = await reader.take();
          if (taken === undefined) return { value: undefined, done: true };
          batch = taken;
          next = 1;
          return { value: batch[0]!, done: false };
        },
        // A consumer that stops early (a `for await` left by break, return or throw).
        async return(): Promise<IteratorResult<T>> {
          reader.stop();
          return { value: undefined, done: true };
        },
      };
    },
  };
}
