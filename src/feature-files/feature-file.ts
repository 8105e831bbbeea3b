import { createReadStream, openSync, type ReadStream } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { UserError } from '../common/user-error.js';
import type { FeatureRecord } from '../geo/feature.js';

/** The formats a feature file can have, named by its extension or by `--format`. */
export const FEATURE_FORMATS = ['json', 'geojson', 'csv', 'geojsonl', 'geojsons', 'fgb', 'parquet'] as const;
export type FeatureFormat = (typeof FEATURE_FORMATS)[number];

/** Extensions that are not a format's own name. */
export const EXTENSION_ALIASES: Readonly<Record<string, FeatureFormat>> = { ndjson: 'geojsonl' };

/** Every extension a feature file's format is known by: `.json`, ..., `.ndjson`. */
export const FEATURE_EXTENSIONS: readonly string[] = [...FEATURE_FORMATS, ...Object.keys(EXTENSION_ALIASES)].map((name) => `.${name}`);

/** The extensions as a list in a sentence: `.json, .geojson, ... or .ndjson`. */
export function extensionsText(): string {
  return `${FEATURE_EXTENSIONS.slice(0, -1).join(', ')} or ${FEATURE_EXTENSIONS.at(-1)}`;
}

/** What each format is read as, in a few words, for `--format`'s help (the writers have their own: write-feature-file.ts). */
const FORMAT_SUMMARIES: { readonly [Format in FeatureFormat]: string } = {
  json: 'route_guide_db.json, E7',
  geojson: 'a FeatureCollection of Points',
  csv: 'latitude, longitude and name columns in degrees',
  geojsonl: 'one Feature a line; also .ndjson',
  geojsons: 'RFC 8142 GeoJSON text sequence',
  fgb: 'FlatGeobuf, a Point layer',
  parquet: 'GeoParquet 1.0/1.1 points, or latitude and longitude columns',
};

/** `json (route_guide_db.json, E7), geojson (...), ...`: every format, for a help text. */
export function formatsText(): string {
  return FEATURE_FORMATS.map((format) => `${format} (${FORMAT_SUMMARIES[format]})`).join(', ');
}

/** The canonical 100-feature database shipped with the project (the tutorials' route_guide_db.json). */
export const CANONICAL_SEED_FILE = fileURLToPath(new URL('../../seed/route_guide_db.json', import.meta.url));

/** A feature file that cannot be read or imported; the message names the file, the entry and the problem. */
export class FeatureFileError extends UserError {
  override readonly name = 'FeatureFileError';
  readonly exitCode = 1;
}

/** How to read a feature file, beyond its format. */
export interface ReadOptions {
  /** The file's format; unset, its extension tells (see read-feature-file.ts). */
  readonly format?: FeatureFormat;
  /**
   * Which columns (CSV, GeoParquet) or properties (FlatGeobuf) hold the point and the name, matched
   * without regard to case; a dotted name (`names.primary`) reaches into nested columns. Unset, the
   * defaults in columns.ts apply.
   */
  readonly columns?: ColumnNames;
  /** Count and skip a record that cannot be imported, rather than failing the whole file at it. */
  readonly skipInvalid?: boolean;
}

export interface ColumnNames {
  readonly latitude?: string;
  readonly longitude?: string;
  readonly name?: string;
}

/** The records a reader skipped under `skipInvalid`: how many, and the first few problems, each naming its record. */
export interface SkippedRecords {
  readonly count: number;
  readonly examples: readonly string[];
}

/** A feature file being read: the features, validated one by one, and how far into the file the reader is. */
export interface FeatureFile {
  /** Throws FeatureFileError naming the entry and the problem at the first bad record. */
  readonly features: AsyncIterable<FeatureRecord>;
  /**
   * The same features in the batches they were parsed in, for a caller that handles many per
   * await; a caller iterates either this or `features`, not both.
   */
  readonly batches: AsyncIterable<readonly FeatureRecord[]>;
  bytesRead(): number;
  /** The records skipped so far (always none unless `skipInvalid` was asked for). */
  skipped(): SkippedRecords;
  /** Closes the file early, for a caller that will not iterate the features to the end (or at all). */
  close(): void;
}

/**
 * Opens `file` for reading now, not on the stream's first read: a missing or unreadable file fails
 * here with a FeatureFileError, and a reader given up before it reads anything still has a handle
 * that its close() releases. `chunkBytes` sets the read size (64 KiB by default).
 */
export function openInput(file: string, chunkBytes?: number): ReadStream {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    throw new FeatureFileError(`${file}: cannot read: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  return createReadStream(file, { fd, ...(chunkBytes === undefined ? {} : { highWaterMark: chunkBytes }) });
}

/** `error`, met while reading `file`, as the FeatureFileError a reader throws: itself if it is one, else `FILE: cannot read: why`. */
export function readFailure(file: string, error: unknown): FeatureFileError {
  if (error instanceof FeatureFileError) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new FeatureFileError(`${file}: cannot read: ${reason}`, { cause: error });
}

/** The FeatureFile of a reader that reads `input` into `batches`, its skipped records counted by `invalid`. */
export function streamedFile(batches: AsyncIterable<readonly FeatureRecord[]>, input: ReadStream, invalid: { report(): SkippedRecords }): FeatureFile {
  return { batches, features: eachOf(batches), bytesRead: () => input.bytesRead, skipped: () => invalid.report(), close: () => input.destroy() };
}

/** The items of `batches`, one at a time. */
export async function* eachOf<T>(batches: AsyncIterable<readonly T[]>): AsyncGenerator<T> {
  for await (const batch of batches) yield* batch;
}
