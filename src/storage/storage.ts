/**
 * The storage contract: the one seam between the service and durable state.
 * Every method is asynchronous so that a networked backend fits without changing callers.
 * Coordinates are E7 integers: degrees multiplied by 10^7 and rounded.
 */

import type { FeatureRecord, PointE7 } from '../geo/feature.js';

export type { FeatureRecord };

/** A RouteChat note as stored. */
export interface StoredNote {
  readonly latitude: number;
  readonly longitude: number;
  readonly message: string;
}

/** A note with its place in the note feed: positions grow in the order notes are stored. */
export interface FeedNote extends StoredNote {
  readonly position: number;
}

/** What an import did: features written, and features skipped because their point was taken. */
export interface InsertSummary {
  readonly inserted: number;
  readonly duplicates: number;
}

/** An import in the import feed: committed, with its place in commit order. */
export interface CommittedImport {
  /**
   * Positions follow commit order: an import that commits after another has a higher position, so
   * a reader that has taken in everything up to P and then reads importsAfter(P) never skips one.
   */
  readonly position: number;
}

/** Stops a change listener (see Storage.onChange). Calling it again is harmless. */
export type Unsubscribe = () => void;

export interface Storage {
  /** The scheme this backend was opened with, for logs. */
  readonly scheme: string;

  countFeatures(): Promise<number>;

  /**
   * Whether any feature is stored: countFeatures() > 0, but cheap (it reads at most a few rows,
   * where a count reads them all: seconds at 100M features). For start-up's "is storage empty?".
   */
  hasFeatures(): Promise<boolean>;

  /**
   * The database's identity: 32 random hex digits made once, when the database was created (SQLite
   * migration 006, PostgreSQL 002), the same on every open and from every process, and different
   * for every other database. A copy of the database (a copied file, a restored backup) keeps it;
   * importToken tells such copies apart once they take different imports. memory: a new id for each
   * Storage. With the import feed's position and the token there, it names the state an index file
   * was built from.
   */
  identity(): Promise<string>;

  /**
   * The token of the import committed at this import-feed position: 32 random hex digits made for
   * that import alone, the same on every read. undefined when no import committed there (0, a
   * position past the last one). A copy of the database that took another import at that position
   * since, or a backup restored and imported into again, holds another token there.
   */
  importToken(position: number): Promise<string | undefined>;

  /**
   * Inserts features all or nothing: readers see every one of them or none (SQLite writes in short
   * batches that stay invisible until the import commits). A feature whose point already holds one
   * (stored before, or earlier in the same input) is skipped and counted as a duplicate.
   * If the input (synchronous or not) throws, nothing is written and the error propagates.
   *
   * Concurrent calls on one Storage run one after the other, in call order: the input of a later
   * call is not read until the earlier ones have settled, so the first call keeps a point both
   * inputs hold and the later one counts it as a duplicate. A failed call does not hold up the next.
   * (SQLite: an import by another process, or another Storage, on the same database is not waited
   * for; this rejects with ImportInProgressError instead.)
   */
  insertFeatures(features: Iterable<FeatureRecord> | AsyncIterable<FeatureRecord>): Promise<InsertSummary>;

  /**
   * Every stored feature, in batches, for loading the index. A scan in progress when close()
   * begins stops with the closed error when it is asked for its next batch.
   */
  scanFeatures(batchSize?: number): AsyncIterable<readonly FeatureRecord[]>;

  /**
   * Stores notes in one transaction, all or nothing, keeping the order given:
   * - When it resolves, every one of them is committed (durable as the backend defines durability)
   *   and visible to every reader, on any connection.
   * - When it rejects, none of them is stored, and no reader ever saw any of them.
   * - Readers never see some of them without the others.
   * - Order: in the note feed (notesAfter), their positions grow in the order given, and each is
   *   greater than the position of every note whose call resolved before this call began; notesAt
   *   returns those at one point in the order given, after the ones stored before. Notes of calls
   *   that overlap in time may take positions between them.
   * - Each note's time, for pruneNotes, is the backend's clock during the call.
   * - An empty list stores nothing and resolves (or rejects with the closed error after close()).
   * - The notes are stored as given: validating them is the caller's job. If reading one of them
   *   throws, nothing is stored and the error propagates.
   * RouteChat and PostNote store every note through this, in group commits (src/service/group-commit.ts).
   */
  addNotes(notes: readonly StoredNote[]): Promise<void>;

  /** The most recent `limit` notes at exactly this point, oldest first. */
  notesAt(latitude: number, longitude: number, limit: number): Promise<StoredNote[]>;

  /**
   * For each point, in the order given, what notesAt would return for it (a new array each, even
   * for repeated points), all read from one consistent state of the notes: a batch that addNotes
   * commits meanwhile is seen whole or not at all. An empty list resolves with an empty list.
   * It answers a whole group commit's replays at once; most points there hold no note yet, which
   * a backend can find in one query.
   */
  notesAtEach(points: readonly PointE7[], limit: number): Promise<StoredNote[][]>;

  /**
   * The note feed, which WatchNotes reads: the position of the last note stored (0 when there is
   * none yet). A reader that starts now reads what comes after it.
   */
  lastNotePosition(): Promise<number>;

  /**
   * The note feed: up to `limit` notes stored after `position`, in the order they were stored.
   * Positions follow commit order (a note that commits later has a higher position), so a reader on
   * another server that polls from its last position never skips a note.
   */
  notesAfter(position: number, limit: number): Promise<FeedNote[]>;

  /**
   * The import feed, which live indexes read: the position of the last committed import (0 when
   * none). Features stored before imports had positions count as part of the initial scan only.
   */
  lastImportPosition(): Promise<number>;

  /** The import feed: up to `limit` imports committed after `position`, in commit order. */
  importsAfter(position: number, limit: number): Promise<CommittedImport[]>;

  /**
   * The features one committed import stored (its duplicates were skipped, so no two imports share
   * a point), in batches. Empty when the import stored none, or when nothing committed there.
   */
  scanImport(position: number, batchSize?: number): AsyncIterable<readonly FeatureRecord[]>;

  /**
   * A cheap signal for readers of both feeds: calls `listener` (never synchronously inside the
   * call that registers it, never from inside a write) whenever a note or an import may have been
   * committed, through this Storage or through any other process or Storage on the same data, and
   * after a lost connection is restored. It may also fire when nothing changed; readers then find
   * nothing after their position. How soon it fires is the backend's promise: memory at once,
   * SQLite within its poll interval (PRAGMA data_version), a networked backend on its notification.
   * A listener must not throw. close() stops every listener.
   */
  onChange(listener: () => void): Unsubscribe;

  /**
   * Deletes every note stored before `cutoff` (milliseconds since the epoch, compared with the
   * backend's clock when the note was added) and resolves with how many were deleted; the others
   * stay, in their order. For note retention. A prune in progress when close() begins may stop at
   * its next batch with the closed error (SQLite prunes in batches).
   */
  pruneNotes(cutoff: number): Promise<number>;

  /**
   * Closes the storage. From the moment it is called, every method rejects with the closed error,
   * a StorageClosedError (errors.ts) saying the storage is closed. It resolves after
   * the insert in flight has finished; inserts queued behind that one, not yet started, reject with
   * the closed error. Calling it again is harmless and resolves when the first call does. (Do not await it from inside an import's own hooks:
   * it would wait for itself.)
   */
  close(): Promise<void>;
}
