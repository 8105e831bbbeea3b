import { FeatureFileError, type ColumnNames } from './feature-file.js';

/** The names each column goes by when no flag names it, matched without regard to case (GDAL writes X and Y). */
export const DEFAULT_COLUMNS = {
  latitude: ['latitude', 'lat', 'y'],
  longitude: ['longitude', 'lng', 'lon', 'long', 'x'],
  name: ['name'],
} as const;

const FLAGS = { latitude: '--lat-column', longitude: '--lng-column', name: '--name-column' } as const;

/** Where each column is among a file's columns (an index into `available`); no name column means unnamed features. */
export interface ColumnPositions {
  readonly latitude: number;
  readonly longitude: number;
  readonly name: number | undefined;
}

/**
 * Finds the latitude, longitude and name columns among `available` (a file's column names, dotted
 * for nested ones): the one a flag names, or else the first default that is there. A named column
 * that is missing, or a missing coordinate column, is an error naming the file, the flag or the
 * defaults, and the columns there are.
 */
export function findColumns(file: string, available: readonly string[], names: ColumnNames = {}): ColumnPositions {
  const lower = available.map((column) => column.trim().toLowerCase());
  const find = (column: keyof typeof DEFAULT_COLUMNS, required: boolean): number | undefined => {
    const named = names[column];
    if (named !== undefined) {
      const at = lower.indexOf(named.trim().toLowerCase());
      if (at < 0) throw new FeatureFileError(`${file}: ${FLAGS[column]} ${JSON.stringify(named)}: no such column; the columns are ${available.join(', ')}`);
      return at;
    }
    for (const candidate of DEFAULT_COLUMNS[column]) {
      const at = lower.indexOf(candidate);
      if (at >= 0) return at;
    }
    if (!required) return undefined;
    throw new FeatureFileError(
      `${file}: no ${column} column: expected one named ${DEFAULT_COLUMNS[column].join(', ')} (any case), or name it with ${FLAGS[column]}; the columns are ${available.join(', ')}`,
    );
  };
  return { latitude: find('latitude', true)!, longitude: find('longitude', true)!, name: find('name', false) };
}

/**
 * Finds the name column alone among `available`, for a format whose point is a geometry
 * (FlatGeobuf, GeoParquet's geometry column): the one `--name-column` names (an error naming the
 * columns there are if it is missing), or else the first default that is there, or none.
 */
export function findNameColumn(file: string, available: readonly string[], names: ColumnNames = {}): number | undefined {
  const lower = available.map((column) => column.trim().toLowerCase());
  if (names.name !== undefined) {
    const at = lower.indexOf(names.name.trim().toLowerCase());
    if (at < 0) throw new FeatureFileError(`${file}: ${FLAGS.name} ${JSON.stringify(names.name)}: no such column; the columns are ${available.join(', ') || '(none)'}`);
    return at;
  }
  const at = DEFAULT_COLUMNS.name.map((candidate) => lower.indexOf(candidate)).find((index) => index >= 0);
  return at;
}
