import { extname } from 'node:path';
import type { FeatureRecord } from '../geo/feature.js';
import { readCsvFeatures } from './csv-features.js';
import { readFlatGeobufFeatures } from './flatgeobuf-features.js';
import { eachOf, EXTENSION_ALIASES, FEATURE_EXTENSIONS, FEATURE_FORMATS, FeatureFileError, type FeatureFile, type FeatureFormat, type ReadOptions } from './feature-file.js';
import { readGeoJsonSequenceFeatures } from './geojson-sequence-features.js';
import { readGeoJsonFeatures, readJsonFeatures } from './json-features.js';
import { readParquetFeatures } from './parquet-features.js';

/** The format `--format` names, or else the one the file's extension implies. */
export function formatOf(file: string, format?: FeatureFormat): FeatureFormat {
  if (format !== undefined) return format;
  const extension = extname(file).slice(1).toLowerCase();
  if ((FEATURE_FORMATS as readonly string[]).includes(extension)) return extension as FeatureFormat;
  if (Object.hasOwn(EXTENSION_ALIASES, extension)) return EXTENSION_ALIASES[extension]!;
  throw new FeatureFileError(`${file}: cannot tell the format from the extension; use ${FEATURE_EXTENSIONS.join(', ')}, or --format ${FEATURE_FORMATS.join('|')}`);
}

/**
 * Opens a feature file for streaming. The file is opened now, and read as the features are
 * iterated; a caller that stops early (or never starts) calls close().
 */
export function readFeatureFile(file: string, options: ReadOptions = {}): FeatureFile {
  const opened = openFormat(file, options);
  return options.skipInvalid ? refusedIfAllInvalid(file, opened) : opened;
}

/**
 * Under --skip-invalid, a file whose every record was invalid is almost always read the wrong way
 * (another format, a wrong column): it fails, naming the first problem, rather than importing nothing
 * and succeeding.
 */
function refusedIfAllInvalid(file: string, opened: FeatureFile): FeatureFile {
  async function* batches(): AsyncGenerator<readonly FeatureRecord[]> {
    let kept = 0;
    for await (const batch of opened.batches) {
      kept += batch.length;
      yield batch;
    }
    const { count, examples } = opened.skipped();
    if (kept === 0 && count > 0) {
      throw new FeatureFileError(`${file}: every record was invalid (${count} skipped), so nothing was imported; the first: ${examples[0]}`);
    }
  }
  const all = batches();
  return { ...opened, batches: all, features: eachOf(all) };
}

function openFormat(file: string, options: ReadOptions): FeatureFile {
  switch (formatOf(file, options.format)) {
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
    case 'parquet':
      return readParquetFeatures(file, options);
  }
}
