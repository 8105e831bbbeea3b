import type { FeatureRecord } from '../geo/feature.js';
import { degreesToE7 } from '../geo/e7.js';
import { refuseColumns } from './columns.js';
import { FeatureFileError, type ReadOptions } from './feature-file.js';

/** The value at `path` in `properties`: each step the key as written, or else the one key equal to it in any case. */
function propertyAt(properties: Record<string, unknown>, path: readonly string[]): unknown {
  let value: unknown = properties;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    const object = value as Record<string, unknown>;
    if (Object.hasOwn(object, key)) value = object[key];
    else {
      const lower = key.toLowerCase();
      const found = Object.keys(object).find((each) => each.toLowerCase() === lower);
      value = found === undefined ? undefined : object[found];
    }
  }
  return value;
}

/**
 * The converter of one GeoJSON Feature holding a Point (RFC 7946) for `file`: coordinates
 * [longitude, latitude] in degrees, rounded to E7; the name from `properties.name`, or from the
 * property `--name-column` names (a dotted path reaches into nested objects; missing or null means
 * unnamed). `--lat-column` and `--lng-column` are refused: the point is the geometry. The
 * converter's `where` (file and record) starts each error message.
 */
export function geoJsonFeatures(file: string, options: ReadOptions): (value: unknown, where: string) => FeatureRecord {
  refuseColumns(file, options, ['latitude', 'longitude'], "GeoJSON: the point is each Feature's geometry");
  const named = options.columns?.name;
  const path = named === undefined ? ['name'] : named.split('.');
  const shown = `properties.${path.join('.')}`;
  return (value, where) => {
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
      const raw = propertyAt(properties as Record<string, unknown>, path);
      if (raw !== undefined && raw !== null) {
        if (typeof raw !== 'string') fail(`${shown}: must be a string, got ${JSON.stringify(raw)}`);
        name = raw as string;
      }
    }
    return { name, latitude: latitude!, longitude: longitude! };
  };
}
