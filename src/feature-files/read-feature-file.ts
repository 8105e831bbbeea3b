import { extname } from 'node:path';
import { readCsvFeatures } from './csv-features.js';
import { readFlatGeobufFeatures } from './flatgeobuf-features.js';
import { FEATURE_FORMATS, FeatureFileError, type FeatureFile, type FeatureFormat, type ReadOptions } from './feature-file.js';
import { readGeoJsonSequenceFeatures } from './geojson-sequence-features.js';
import { readGeoJsonFeatures, readJsonFeatures } from './json-features.js';

/** Extensions that are not a format's own name. */
const EXTENSIONS: Readonly<Record<string, FeatureFormat>> = { ndjson: 'geojsonl' };

/** Every extension a feature file's format is known by: `.json`, ..., `.ndjson`. */
export const FEATURE_EXTENSIONS: readonly string[] = [...FEATURE_FORMATS, ...Object.keys(EXTENSIONS)].map((name) => `.${name}`);

/** The extensions as a list in a sentence: `.json, .geojson, ... or .ndjson`. */
export function extensionsText(): string {
  return `${FEATURE_EXTENSIONS.slice(0, -1).join(', ')} or ${FEATURE_EXTENSIONS.at(-1)}`;
}

/** The format `--format` names, or else the one the file's extension implies. */
export function formatOf(file: string, format?: FeatureFormat): FeatureFormat {
  if (format !== undefined) return format;
  const extension = extname(file).slice(1).toLowerCase();
  if ((FEATURE_FORMATS as readonly string[]).includes(extension)) return extension as FeatureFormat;
  if (Object.hasOwn(EXTENSIONS, extension)) return EXTENSIONS[extension]!;
  throw new FeatureFileError(`${file}: cannot tell the format from the extension; use ${FEATURE_EXTENSIONS.join(', ')}, or --format ${FEATURE_FORMATS.join('|')}`);
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
    case 'fgb':
      return readFlatGeobufFeatures(file, options);
  }
}
