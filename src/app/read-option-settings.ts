import type { ReadOptions } from '../feature-files/feature-file.js';
import { DEFAULT_COLUMNS } from '../feature-files/columns.js';
import type { SettingsOf } from '../common/settings.js';
import { booleanSetting, optionalTextSetting } from '../common/setting-values.js';

/** The settings that say how to read a feature file, shared by `seed` and `serve --seed`. */
export const readOptionSettings = {
  'lat-column': {
    schema: optionalTextSetting(),
    description: 'the column holding the latitude in degrees (CSV, GeoParquet without a geometry column), matched in any case',
    defaultText: DEFAULT_COLUMNS.latitude.join(', '),
    valueName: 'NAME',
  },
  'lng-column': {
    schema: optionalTextSetting(),
    description: 'the column holding the longitude in degrees (CSV, GeoParquet without a geometry column), matched in any case',
    defaultText: DEFAULT_COLUMNS.longitude.join(', '),
    valueName: 'NAME',
  },
  'name-column': {
    schema: optionalTextSetting(),
    description: 'the column (CSV, GeoParquet) or property (FlatGeobuf) holding the name, in any case; a dotted path such as names.primary reaches into nested columns',
    defaultText: 'name; without one, features are unnamed',
    valueName: 'NAME',
  },
  'skip-invalid': {
    schema: booleanSetting(),
    description: 'skip a record that cannot be imported (not a point, out of range, not valid JSON in a GeoJSON sequence), counting it, instead of importing nothing',
    defaultText: 'false',
    boolean: true,
  },
} as const;

/** ReadOptions from the settings above; a column not named is left to the defaults. */
export function readOptionsFrom(settings: SettingsOf<typeof readOptionSettings>): ReadOptions {
  return {
    columns: { latitude: settings['lat-column'], longitude: settings['lng-column'], name: settings['name-column'] },
    skipInvalid: settings['skip-invalid'],
  };
}
