import { extname } from 'node:path';
import type { StoredFeature } from '../storage/storage.js';
import { readCsvFeatures } from './csv-features.js';
import { readGeoJsonFeatures, readJsonFeatures } from './json-features.js';
import { SeedFileError } from './read-seed-file.js';

export const FEATURE_FORMATS = ['json', 'geojson', 'csv'] as const;
export type FeatureFormat = (typeof FEATURE_FORMATS)[number];

/** A feature file being read: the features, validated one by one, and how far into the file the reader is. */
export interface FeatureFile {
  /** Throws SeedFileError naming the entry and the problem at the first bad record. */
  readonly features: AsyncIterable<StoredFeature>;
  bytesRead(): number;
}

/** The format `--format` names, or else the one the file's extension implies. */
export function formatOf(file: string, format?: FeatureFormat): FeatureFormat {
  if (format !== undefined) return format;
  const extension = extname(file).slice(1).toLowerCase();
  if ((FEATURE_FORMATS as readonly string[]).includes(extension)) return extension as FeatureFormat;
  throw new SeedFileError(
    `${file}: cannot tell the format from the extension; use .json, .geojson or .csv, or --format ${FEATURE_FORMATS.join('|')}`,
  );
}

/** Opens a feature file for streaming; nothing is read until the features are iterated. */
export function readFeatureFile(file: string, format?: FeatureFormat): FeatureFile {
  switch (formatOf(file, format)) {
    case 'json':
      return readJsonFeatures(file);
    case 'geojson':
      return readGeoJsonFeatures(file);
    case 'csv':
      return readCsvFeatures(file);
  }
}
