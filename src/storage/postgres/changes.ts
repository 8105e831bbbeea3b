import type pg from 'pg';
import type { Unsubscribe } from '../storage.js';

/** The channels the triggers of migrations/postgres/001 notify on commit. */
const CHANNELS = ['routeguide_notes', 'routeguide_imports'] as const;

/** First wait before listening again after the connection is lost; it doubles up to the cap. */
const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 2_000;

/** Storage.onChange for PostgreSQL. */
export interface PostgresChanges {
  onChange(listener: () => void): Unsubscribe;
  /** Stops listening and forgets every listener. */
  close(): void;
}

export interface PostgresChangesOptions {
  /** A new, unconnected client outside the pool. */
  readonly createClient: () => pg.Client;
  /** Settles once the database is migrated; nothing listens before, and nothing if it rejects. */
  readonly ready: Promise<void>;
  /** Told when listening fails or its connection is lost (once per outage); it is retried meanwhile. */
  readonly onError: (error: Error) => void;
  /** Told when listening again after `onError`, with how long it was not listening. */
  readonly onRestored: (afterMs: number) => void;
}

/**
 * LISTEN on the feeds' channels on one client of its own, while anyone listens. Every notification
 * signals. So does every (re)connect, once LISTEN is in place: what committed while nobody listened
 * is then found by the readers' catch-up read after their last position, which skips nothing because
 * positions follow commit order. A lost connection is retried with doubling waits.
 */
export function createPostgresChanges(options: PostgresChangesOptions): PostgresChanges {
  const listeners = new Set<() => void>();
  let client: pg.Client | undefined;
  let retry: NodeJS.Timeout | undefined;
  let delay = FIRST_RETRY_MS;
  /** When the current outage began; undefined while listening (or not yet failed). */
  let failingSince: number | undefined;
  let closed = false;

  function announce(): void {
    for (const listener of [...listeners]) listener();
  }

  function lost(which: pg.Client, error: Error): void {
    // Only the current client counts; a stopped or replaced one may still report its end.
    if (client !== which) return;
    client = undefined;
    which.end().catch(() => undefined);
    if (failingSince === undefined) {
      failingSince = Date.now();
      options.onError(error);
    }
    retry = setTimeout(() => {
      retry = undefined;
      if (!closed && listeners.size > 0) listen();
    }, delay);
    delay = Math.min(MAX_RETRY_MS, delay * 2);
  }

  function listen(): void {
    const next = options.createClient();
    client = next;
    next.on('notification', announce);
    // Listened to for the client's whole life: an unheard 'error' event would end the process.
    next.on('error', (error) => lost(next, error));
    next.on('end', () => lost(next, new Error('the connection listening for changes ended')));
    next
      .connect()
      .then(() => next.query(CHANNELS.map((channel) => `LISTEN ${channel}`).join('; ')))
      .then(
        () => {
          if (client !== next) return;
          delay = FIRST_RETRY_MS;
          if (failingSince !== undefined) options.onRestored(Date.now() - failingSince);
          failingSince = undefined;
          announce();
        },
        (error: unknown) => lost(next, error instanceof Error ? error : new Error(String(error))),
      );
  }

  function stop(): void {
    if (retry !== undefined) clearTimeout(retry);
    retry = undefined;
    const current = client;
    client = undefined;
    current?.end().catch(() => undefined);
  }

  return {
    onChange(listener) {
      listeners.add(listener);
      if (listeners.size === 1 && client === undefined && retry === undefined) {
        options.ready.then(
          () => {
            if (!closed && listeners.size > 0 && client === undefined && retry === undefined) listen();
          },
          // The storage failed to open: every call reports that.
          () => undefined,
        );
      }
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0) stop();
      };
    },
    close() {
      closed = true;
      listeners.clear();
      stop();
    },
  };
}
