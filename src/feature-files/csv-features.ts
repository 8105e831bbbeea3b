import { pipeline } from 'node:stream';
import { parse } from 'csv-parse';
import type { FeatureRecord } from '../geo/feature.js';
import { parseDegrees } from '../geo/e7.js';
import { FeatureFileError, openInput, type FeatureFile } from './feature-file.js';

const COLUMNS = ['name', 'latitude', 'longitude'] as const;

interface CsvRecord {
  readonly record: Record<string, string>;
  readonly info: { readonly lines: number };
}

/**
 * An RFC 4180 CSV file with the header `name,latitude,longitude` (any column order), degrees,
 * streamed. Quoted fields may hold commas, quotes ("") and line breaks.
 */
export function readCsvFeatures(file: string): FeatureFile {
  const input = openInput(file);
  const records = parse({
    bom: true,
    info: true,
    skip_empty_lines: true,
    columns: (header: string[]) => {
      const names = header.map((column) => column.trim().toLowerCase());
      const missing = COLUMNS.filter((column) => !names.includes(column));
      if (missing.length > 0 || names.length !== COLUMNS.length) {
        throw new FeatureFileError(`${file}: line 1: the header must be name,latitude,longitude; got ${header.join(',')}`);
      }
      return names;
    },
  });
  pipeline(input, records, () => {});

  async function* features(): AsyncGenerator<FeatureRecord> {
    let entry = 0;
    try {
      for await (const { record, info } of records as AsyncIterable<CsvRecord>) {
        const where = `${file}: entry ${entry++} (line ${info.lines})`;
        const latitude = parseDegrees(record['latitude'] ?? '', 90);
        if (latitude === undefined) {
          throw new FeatureFileError(`${where}: latitude ${JSON.stringify(record['latitude'])} must be a number of degrees between -90 and 90`);
        }
        const longitude = parseDegrees(record['longitude'] ?? '', 180);
        if (longitude === undefined) {
          throw new FeatureFileError(`${where}: longitude ${JSON.stringify(record['longitude'])} must be a number of degrees between -180 and 180`);
        }
        yield { name: record['name'] ?? '', latitude, longitude };
      }
    } catch (error) {
      if (error instanceof FeatureFileError) throw error;
      // csv-parse wraps errors thrown by the columns callback.
      if (error instanceof Error && error.cause instanceof FeatureFileError) throw error.cause;
      const reason = error instanceof Error ? error.message : String(error);
      throw new FeatureFileError(`${file}: cannot read: ${reason}`, { cause: error });
    }
  }
  return { features: features(), bytesRead: () => input.bytesRead, close: () => input.destroy() };
}
