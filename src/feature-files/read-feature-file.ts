import { extname } from 'node:path';
import { readCsvFeatures } from './csv-features.js';
import { FEATURE_FORMATS, FeatureFileError, type FeatureFile, type FeatureFormat, type ReadOptions } from './feature-file.js';
import { readGeoJsonSequenceFeatures } from './geojson-sequence-features.js';
import { readGeoJsonFeatures, readJsonFeatures } from './json-features.js';

/** Extensions that are not a format's own name. */
const EXTENSIONS: Readonly<Record<string, FeatureFormat>> = { ndjson: 'geojsonl' };

/** The format `--format` names, or else the one the file's extension implies. */
export function formatOf(file: string, format?: FeatureFormat): FeatureFormat {
  if (format !== undefined) return format;
  const extension = extname(file).slice(1).toLowerCase();
  if ((FEATURE_FORMATS as readonly string[]).includes(extension)) return extension as FeatureFormat;
  if (Object.hasOwn(EXTENSIONS, extension)) return EXTENSIONS[extension]!;
  const known = [...FEATURE_FORMATS, ...Object.keys(EXTENSIONS)].map((name) => `.${name}`).join(', ');
  throw new FeatureFileError(`${file}: cannot tell the format from the extension; use ${known}, or --format ${FEATURE_FORMATS.join('|')}`);
}

/**
 * Opens a feature file for streaming. The file is opened now, and read as the features are
 * iterated; a caller that stops early (or never starts) calls close().
 */
export function readFeatureFile(file: string, format?: FeatureFormat, options: ReadOptions = {}): FeatureFile {
  switch (formatOf(file, format)) {
    case 'json':
      return readJsonFeatures(file, options);
    case 'geojson':
      return readGeoJsonFeatures(file, options);
    case 'csv':
      return readCsvFeatures(file, options);
    case 'geojsonl':
      return readGeoJsonSequenceFeatures(file, 'lines', options);
    case 'geojsons':
      return readGeoJsonSequenceFeatures(file, 'rs', options);
  }
}
