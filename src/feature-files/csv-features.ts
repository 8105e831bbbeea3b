import { pipeline, type Readable } from 'node:stream';
import { parse } from 'csv-parse';
import type { FeatureRecord } from '../geo/feature.js';
import { parseDegrees } from '../geo/e7.js';
import { findColumns, type ColumnPositions } from './columns.js';
import { eachOf, FeatureFileError, openInput, type FeatureFile, type ReadOptions } from './feature-file.js';
import { InvalidRecords } from './invalid-records.js';

/** Read size: csv-parse hands over each chunk's records, taken in one batch; 1 MiB chunks took peak RSS near 300 MiB at 1M rows, 256 KiB about 225 MiB at 8% more time. */
const CHUNK_BYTES = 1 << 18;

/** Resolves when `stream` has data to read, has ended, or has failed. */
function readableOrOver(stream: Readable): Promise<void> {
  if (stream.readableEnded || stream.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      stream.off('readable', done);
      stream.off('end', done);
      stream.off('close', done);
      resolve();
    };
    stream.on('readable', done);
    stream.on('end', done);
    stream.on('close', done);
  });
}

/**
 * The chunks of an object-mode stream, in batches of everything it has buffered: `read()` in paused
 * mode, one await per batch, where `for await` over the stream costs a promise per object (about
 * half of a 1M-record CSV import's time). A stream that fails throws its error.
 */
async function* readBatches<T>(stream: Readable): AsyncGenerator<T[]> {
  for (;;) {
    const batch: T[] = [];
    let chunk: T | null;
    while ((chunk = stream.read() as T | null) !== null) batch.push(chunk);
    if (batch.length > 0) {
      yield batch;
      continue;
    }
    if (stream.errored) throw stream.errored;
    if (stream.readableEnded) return;
    if (stream.destroyed) throw new Error('the stream was closed before its end');
    await readableOrOver(stream);
  }
}

/** RFC 4180 records as arrays of fields, the header first. Line numbers are left out: they cost a third of the time. */
function csvRecords(file: string, info: boolean) {
  const input = openInput(file, CHUNK_BYTES);
  const records = parse({ bom: true, skip_empty_lines: true, info });
  pipeline(input, records, () => {});
  return { input, records };
}

/** The line of the file on which data row `entry` (0 is the row after the header) starts: read again, for an error message. */
async function lineOfEntry(file: string, entry: number): Promise<number | undefined> {
  const { input, records } = csvRecords(file, true);
  let index = -1;
  try {
    for await (const { info } of records as AsyncIterable<{ info: { lines: number } }>) {
      if (index++ === entry) return info.lines;
    }
  } catch {
    // The caller reports the record's problem; the line is a courtesy.
  } finally {
    input.destroy();
  }
  return undefined;
}

/**
 * An RFC 4180 CSV file with a header, streamed: the latitude and longitude columns (in degrees) and
 * the name column found by findColumns (columns.ts: by default latitude|lat|y, longitude|lng|lon|long|x
 * and name, any case, in any order, other columns ignored; no name column means unnamed features).
 * Quoted fields may hold commas, quotes ("") and line breaks.
 */
export function readCsvFeatures(file: string, options: ReadOptions = {}): FeatureFile {
  const { input, records } = csvRecords(file, false);
  const invalid = new InvalidRecords(options.skipInvalid ?? false);

  async function* batches(): AsyncGenerator<FeatureRecord[]> {
    let entry = 0;
    let columns: ColumnPositions | undefined;
    /** The problem with data row `entry`, with its file line when someone will read it (the file is read again to find it). */
    const bad = async (problem: string): Promise<FeatureFileError> => {
      const line = invalid.keepsNext() ? await lineOfEntry(file, entry) : undefined;
      return new FeatureFileError(`${file}: entry ${entry}${line === undefined ? '' : ` (line ${line})`}: ${problem}`);
    };
    try {
      for await (const rows of readBatches<string[]>(records)) {
        const batch: FeatureRecord[] = [];
        for (const record of rows) {
          if (columns === undefined) {
            columns = findColumns(file, record, options.columns);
            continue;
          }
          const latitudeText = record[columns.latitude] ?? '';
          const latitude = parseDegrees(latitudeText, 90);
          const longitudeText = record[columns.longitude] ?? '';
          const longitude = parseDegrees(longitudeText, 180);
          if (latitude === undefined) invalid.reject(await bad(`latitude ${JSON.stringify(latitudeText)} must be a number of degrees between -90 and 90`));
          else if (longitude === undefined) invalid.reject(await bad(`longitude ${JSON.stringify(longitudeText)} must be a number of degrees between -180 and 180`));
          else batch.push({ name: columns.name === undefined ? '' : (record[columns.name] ?? ''), latitude, longitude });
          entry++;
        }
        if (batch.length > 0) yield batch;
      }
    } catch (error) {
      if (error instanceof FeatureFileError) throw error;
      const reason = error instanceof Error ? error.message : String(error);
      throw new FeatureFileError(`${file}: cannot read: ${reason}`, { cause: error });
    }
  }
  const all = batches();
  return { batches: all, features: eachOf(all), bytesRead: () => input.bytesRead, skipped: () => invalid.report(), close: () => input.destroy() };
}
