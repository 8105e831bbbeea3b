/**
 * The storage contract: the one seam between the service and durable state.
 * Every method is asynchronous so that a networked backend fits without changing callers.
 * Coordinates are E7 integers: degrees multiplied by 10^7 and rounded.
 */

import type { FeatureRecord } from '../geo/feature.js';

export type { FeatureRecord };

/** A RouteChat note as stored. */
export interface StoredNote {
  readonly latitude: number;
  readonly longitude: number;
  readonly message: string;
}

/** What an import did: features written, and features skipped because their point was taken. */
export interface InsertSummary {
  readonly inserted: number;
  readonly duplicates: number;
}

export interface Storage {
  /** The scheme this backend was opened with, for logs. */
  readonly scheme: string;

  countFeatures(): Promise<number>;

  /**
   * Inserts features all or nothing: readers see every one of them or none (SQLite writes in short
   * batches that stay invisible until the import commits). A feature whose point already holds one
   * (stored before, or earlier in the same input) is skipped and counted as a duplicate.
   * If the input throws, nothing is written and the error propagates.
   */
  insertFeatures(features: Iterable<FeatureRecord> | AsyncIterable<FeatureRecord>): Promise<InsertSummary>;

  /** Every stored feature, in batches, for loading the index. */
  scanFeatures(batchSize?: number): AsyncIterable<readonly FeatureRecord[]>;

  /** Stores a note durably (as the backend defines durability) before resolving. */
  addNote(note: StoredNote): Promise<void>;

  /** The most recent `limit` notes at exactly this point, oldest first. */
  notesAt(latitude: number, longitude: number, limit: number): Promise<StoredNote[]>;

  /**
   * Deletes every note stored before `cutoff` (milliseconds since the epoch, by the backend's
   * clock when the note was added) and resolves with how many were deleted. For note retention.
   */
  pruneNotes(cutoff: number): Promise<number>;

  close(): Promise<void>;
}
