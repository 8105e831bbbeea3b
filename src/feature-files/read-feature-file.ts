import { extname } from 'node:path';
import { readCsvFeatures } from './csv-features.js';
import { readFlatGeobufFeatures } from './flatgeobuf-features.js';
import { FEATURE_FORMATS, FeatureFileError, type FeatureFile, type FeatureFormat } from './feature-file.js';
import { readGeoJsonFeatures, readJsonFeatures } from './json-features.js';

/** The format `--format` names, or else the one the file's extension implies. */
export function formatOf(file: string, format?: FeatureFormat): FeatureFormat {
  if (format !== undefined) return format;
  const extension = extname(file).slice(1).toLowerCase();
  if ((FEATURE_FORMATS as readonly string[]).includes(extension)) return extension as FeatureFormat;
  throw new FeatureFileError(
    `${file}: cannot tell the format from the extension; use .json, .geojson or .csv, or --format ${FEATURE_FORMATS.join('|')}`,
  );
}

/**
 * Opens a feature file for streaming. The file is opened now, and read as the features are
 * iterated; a caller that stops early (or never starts) calls close().
 */
export function readFeatureFile(file: string, format?: FeatureFormat): FeatureFile {
  switch (formatOf(file, format)) {
    case 'json':
      return readJsonFeatures(file);
    case 'geojson':
      return readGeoJsonFeatures(file);
    case 'csv':
      return readCsvFeatures(file);
    case 'fgb':
      return readFlatGeobufFeatures(file);
  }
}
