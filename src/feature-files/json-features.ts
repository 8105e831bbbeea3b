import { pipeline, type Readable } from 'node:stream';
import { streamArray } from 'stream-json/streamers/stream-array.js';
import { pick } from 'stream-json/filters/pick.js';
import { parser } from 'stream-json';
import type { FeatureRecord } from '../geo/feature.js';
import { degreesToE7 } from '../geo/e7.js';
import { FeatureFileError, openInput, type FeatureFile } from './feature-file.js';
import { parseJsonEntry } from './json-entry.js';

interface KeyedValue {
  readonly key: number;
  readonly value: unknown;
}

/** The elements of a JSON array inside a file, parsed one at a time; `path` picks a nested array. */
function streamElements(
  file: string,
  arrayPath: string | undefined,
): { elements: AsyncIterable<KeyedValue>; bytesRead(): number; close(): void } {
  const input = openInput(file);
  const stages: NodeJS.ReadWriteStream[] = [parser.asStream()];
  if (arrayPath !== undefined) stages.push(pick.asStream({ filter: arrayPath }));
  stages.push(streamArray.asStream());
  const last = stages[stages.length - 1] as unknown as Readable;
  // pipeline forwards any stage's error (unreadable file, bad JSON) to the last stage, ending iteration.
  pipeline([input, ...stages], () => {});
  return {
    elements: last as AsyncIterable<KeyedValue>,
    bytesRead: () => input.bytesRead,
    close: () => input.destroy(),
  };
}

async function* guarded(file: string, elements: AsyncIterable<KeyedValue>, convert: (item: KeyedValue) => FeatureRecord) {
  try {
    for await (const item of elements) yield convert(item);
  } catch (error) {
    if (error instanceof FeatureFileError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    // A system error (ENOENT, EACCES, ...) is about reading; anything else comes from the JSON parser.
    const problem =
      typeof (error as { code?: unknown }).code === 'string'
        ? `cannot read: ${reason}`
        : /should be an array/.test(reason)
          ? `must be a JSON array of features: ${reason}`
          : `not valid JSON: ${reason}`;
    throw new FeatureFileError(`${file}: ${problem}`, { cause: error });
  }
}

/** A route_guide_db.json-shaped file, streamed: `[{"location": {"latitude": E7, "longitude": E7}, "name": "..."}, ...]`. */
export function readJsonFeatures(file: string): FeatureFile {
  const { elements, bytesRead, close } = streamElements(file, undefined);
  return {
    features: guarded(file, elements, ({ key, value }) => parseJsonEntry(value, `${file}: entry ${key}`)),
    bytesRead,
    close,
  };
}

function geoJsonFeature(value: unknown, where: string): FeatureRecord {
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
export function readGeoJsonFeatures(file: string): FeatureFile {
  const { elements, bytesRead, close } = streamElements(file, 'features');
  return {
    features: guarded(file, elements, ({ key, value }) => geoJsonFeature(value, `${file}: features[${key}]`)),
    bytesRead,
    close,
  };
}
