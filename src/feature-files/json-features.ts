import type { FeatureRecord } from '../geo/feature.js';
import { degreesToE7 } from '../geo/e7.js';
import { FeatureFileError, openInput, readFailure, streamedFile, type FeatureFile, type ReadOptions } from './feature-file.js';
import { InvalidRecords } from './invalid-records.js';
import { JsonElementsError, jsonArrayElements, type ArrayAt } from './json-array-elements.js';
import { parseJsonEntry } from './json-entry.js';

/** Read size: a chunk's complete elements are parsed in one JSON.parse call. */
const CHUNK_BYTES = 1 << 20;

/**
 * The array `at` in `file`, streamed: each element converted by `convert` (given its index), and
 * every failure turned into a FeatureFileError naming the file, and the entry when there is one.
 */
function streamFeatures(
  file: string,
  at: ArrayAt,
  entryName: (entry: number) => string,
  convert: (value: unknown, where: string) => FeatureRecord,
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
            batch.push(convert(value, `${file}: ${entryName(entry)}`));
          } catch (error) {
            if (!(error instanceof FeatureFileError)) throw error;
            invalid.reject(error);
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
  return streamFeatures(file, { kind: 'document' }, (entry) => `entry ${entry}`, parseJsonEntry, options);
}

/** One GeoJSON Feature holding a Point; `where` (file and record) starts the error message. */
export function geoJsonFeature(value: unknown, where: string): FeatureRecord {
  const fail = (problem: string): never => {
    throw new FeatureFileError(`${where}: ${problem}`);
  };
  if (typeof value !== 'object' || value === null) return fail('must be a GeoJSON Feature object');
  const { type, geometry, properties } = value as Record<string, unknown>;
  if (type !== 'Feature') fail(`type: must be "Feature", got ${JSON.stringify(type) ?? 'nothing'}`);
  if (typeof geometry !== 'object' || geometry === null) return fail('geometry: must be a Point');
  const { type: geometryType, coordinates } = geometry as Record<string, unknown>;
  if (geometryType !== 'Point') fail(`geometry.type: must be "Point", got ${JSON.stringify(geometryType) ?? 'nothing'}`);
  if (!Array.isArray(coordinates) || coordinates.length < 2) return fail('geometry.coordinates: must be [longitude, latitude]');
  const longitude = degreesToE7(coordinates[0], 180);
  if (longitude === undefined) fail(`geometry.coordinates[0]: longitude ${JSON.stringify(coordinates[0])} must be a number of degrees between -180 and 180`);
  const latitude = degreesToE7(coordinates[1], 90);
  if (latitude === undefined) fail(`geometry.coordinates[1]: latitude ${JSON.stringify(coordinates[1])} must be a number of degrees between -90 and 90`);
  let name = '';
  if (properties !== undefined && properties !== null) {
    if (typeof properties !== 'object') fail('properties: must be an object or null');
    const raw = (properties as Record<string, unknown>)['name'];
    if (raw !== undefined && raw !== null) {
      if (typeof raw !== 'string') fail(`properties.name: must be a string, got ${JSON.stringify(raw)}`);
      name = raw as string;
    }
  }
  return { name, latitude: latitude!, longitude: longitude! };
}

/**
 * A GeoJSON FeatureCollection of Points, streamed: the name from `properties.name` (missing or null
 * means unnamed), `coordinates` as [longitude, latitude] in degrees, rounded to E7.
 */
export function readGeoJsonFeatures(file: string, options: ReadOptions = {}): FeatureFile {
  return streamFeatures(file, { kind: 'member', key: 'features' }, (entry) => `features[${entry}]`, geoJsonFeature, options);
}
