import type { FeatureRecord } from '../geo/feature.js';
import { FeatureFileError, openInput, readFailure, streamedFile, type FeatureFile, type ReadOptions } from './feature-file.js';
import { convertedAgain, InvalidRecords } from './invalid-records.js';
import { JsonElementsError, jsonArrayElements, type ArrayAt } from './json-array-elements.js';
import { parseJsonEntry } from './json-entry.js';
import { refuseColumns } from './columns.js';
import { geoJsonFeatures } from './geojson-feature.js';

/**
 * Read size: a chunk's complete elements are parsed in one JSON.parse call. Reading 1M
 * route_guide_db.json entries took 0.55 s in 64 KiB chunks, 0.64 s in 256 KiB, 0.75 s in 1 MiB
 * and 0.95 s in 4 MiB: a small chunk's objects die young, and the collector spends less on them.
 */
const CHUNK_BYTES = 1 << 16;

type Convert = (value: unknown, where: string) => FeatureRecord;

/**
 * The array `at` in `file`, streamed: each element converted by `convert` (given its index), and
 * every failure turned into a FeatureFileError naming the file, and the entry when there is one.
 */
function streamFeatures(
  file: string,
  at: ArrayAt,
  entryName: (entry: number) => string,
  convert: Convert,
  options: ReadOptions,
): FeatureFile {
  const invalid = new InvalidRecords(options.skipInvalid ?? false);
  const input = openInput(file, CHUNK_BYTES);
  input.setEncoding('utf8');
  async function* batches(): AsyncGenerator<FeatureRecord[]> {
    let entry = 0;
    try {
      for await (const values of jsonArrayElements(input as AsyncIterable<string>, at)) {
        const batch: FeatureRecord[] = [];
        for (const value of values) {
          try {
            // Its place is named only when an entry fails: building `FILE: entry N` for each entry
            // was a tenth of reading 1M route_guide_db.json entries.
            batch.push(convert(value, file));
          } catch (error) {
            if (!(error instanceof FeatureFileError)) throw error;
            invalid.reject(convertedAgain(convert, value, `${file}: ${entryName(entry)}`, error));
          }
          entry++;
        }
        yield batch;
      }
    } catch (error) {
      if (error instanceof FeatureFileError) throw error;
      if (error instanceof JsonElementsError) {
        const where = error.entry === undefined ? '' : `${entryName(error.entry)}: `;
        const problem = error.kind === 'shape' ? `must be ${at.kind === 'document' ? 'a JSON array of features' : 'a GeoJSON FeatureCollection'}` : 'not valid JSON';
        throw new FeatureFileError(`${file}: ${where}${problem}: ${error.message}`, { cause: error });
      }
      throw readFailure(file, error);
    }
  }
  return streamedFile(batches(), input, invalid);
}

/** A route_guide_db.json-shaped file, streamed: `[{"location": {"latitude": E7, "longitude": E7}, "name": "..."}, ...]`. */
export function readJsonFeatures(file: string, options: ReadOptions = {}): FeatureFile {
  refuseColumns(file, options, ['latitude', 'longitude', 'name'], 'route_guide_db.json entries: the point is `location` and the name `name`');
  return streamFeatures(file, { kind: 'document' }, (entry) => `entry ${entry}`, parseJsonEntry, options);
}

/**
 * A GeoJSON FeatureCollection of Points, streamed: the name from `properties.name`, or the property
 * `--name-column` names (missing or null means unnamed), `coordinates` as [longitude, latitude] in degrees, rounded to E7.
 */
export function readGeoJsonFeatures(file: string, options: ReadOptions = {}): FeatureFile {
  const convert = geoJsonFeatures(file, options);
  return streamFeatures(file, { kind: 'member', key: 'features' }, (entry) => `features[${entry}]`, convert, options);
}
