/*
 * GeoJSON sequences: one Feature a record, each record its own JSON text. Two framings:
 * - newline-delimited (`.geojsonl`, `.ndjson`): one record a line;
 * - RFC 8142 GeoJSON text sequences (`.geojsons`): each record starts with RS (0x1E) and ends
 *   with LF, and may span lines.
 * Each chunk's complete records are parsed by one native JSON.parse call, joined into an array;
 * only when that fails (or finds another number of values than records) are the records parsed
 * one by one, to name the bad one.
 */
import type { FeatureRecord } from '../geo/feature.js';
import { FeatureFileError, openInput, readFailure, streamedFile, type FeatureFile, type ReadOptions } from './feature-file.js';
import { convertedAgain, InvalidRecords } from './invalid-records.js';
import { geoJsonFeatures } from './geojson-feature.js';

/**
 * Read size: a chunk's complete records are parsed in one JSON.parse call. At 1M features, 256 KiB
 * read as fast as 1 MiB (1.2-1.4 s) with a peak RSS of 115 MiB instead of 155-165 MiB, and 64 KiB
 * in 0.92 s against 1.21 s for 256 KiB (best of 3, one core): as for .json, a small chunk's objects
 * die young.
 */
const CHUNK_BYTES = 1 << 16;

const RECORD_SEPARATOR = '\x1e';
const LINE_FEED = '\n';
const BYTE_ORDER_MARK = '\ufeff';

/** How records are framed: `lines` (geojsonl) or RS-started texts (geojsons, RFC 8142). */
export type SequenceFraming = 'lines' | 'rs';

function isBlank(text: string): boolean {
  if (text.length === 0) return true;
  const first = text.charCodeAt(0);
  // Only a text that starts with whitespace can be all whitespace; a record starts with `{`.
  return (first === 0x20 || first === 0x0a || first === 0x0d || first === 0x09) && text.trim() === '';
}

function linesIn(text: string): number {
  let count = 0;
  for (let at = text.indexOf(LINE_FEED); at !== -1; at = text.indexOf(LINE_FEED, at + 1)) count++;
  return count;
}

/**
 * The values of `records` (JSON texts), in order: one JSON.parse for all of them when that gives one
 * value a record, else undefined. Joined with a line break, a string cannot run from one record into
 * the next (JSON forbids raw line breaks in strings), and the count catches a record that holds two
 * values or half of one.
 */
function parseAll(records: readonly string[]): unknown[] | undefined {
  try {
    const values = JSON.parse(`[${records.join(',\n')}]`) as unknown[];
    return values.length === records.length ? values : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A GeoJSON sequence, streamed: each record one GeoJSON Feature holding a Point, read as
 * readGeoJsonFeatures reads a FeatureCollection's features. Blank lines (and, in RS framing, empty
 * records) are ignored. Errors name the feature (0-based, blank records not counted) and the line
 * its record starts on. A record that is not valid JSON is an invalid record, skippable: RFC 8142
 * (after RFC 7464) lets a parser skip a text it cannot parse and go on with the next, which the
 * framing still finds.
 */
export function readGeoJsonSequenceFeatures(file: string, framing: SequenceFraming, options: ReadOptions = {}): FeatureFile {
  const geoJsonFeature = geoJsonFeatures(file, options);
  const invalid = new InvalidRecords(options.skipInvalid ?? false);
  const input = openInput(file, CHUNK_BYTES);
  input.setEncoding('utf8');
  const separator = framing === 'lines' ? LINE_FEED : RECORD_SEPARATOR;

  async function* batches(): AsyncGenerator<FeatureRecord[]> {
    let carry = '';
    /** The line on which `carry` starts. */
    let line = 1;
    let feature = 0;
    let first = true;
    /** Converts the pieces between separators (the last one complete too) to features. */
    const convert = (pieces: string[]): FeatureRecord[] => {
      if (first) {
        first = false;
        if (pieces[0]!.startsWith(BYTE_ORDER_MARK)) pieces[0] = pieces[0]!.slice(1);
        // RS framing: what comes before the first RS is no record, and must be nothing.
        if (framing === 'rs') {
          const before = pieces.shift()!;
          if (!isBlank(before)) {
            throw new FeatureFileError(`${file}: line 1: not a GeoJSON text sequence: each record must start with the RS character (0x1E); for one Feature a line, use .geojsonl`);
          }
          line += linesIn(before);
        }
      }
      const records: string[] = [];
      /** The line each record starts on. */
      const lines: number[] = [];
      for (const piece of pieces) {
        if (!isBlank(piece)) {
          records.push(piece);
          lines.push(line);
        }
        line += framing === 'lines' ? 1 : linesIn(piece);
      }
      const batch: FeatureRecord[] = [];
      const values = parseAll(records);
      for (let index = 0; index < records.length; index++) {
        // Named only when a record fails (as in json-features.ts): a label for each record costs.
        const where = (): string => `${file}: feature ${feature - 1} (line ${lines[index]})`;
        feature++;
        let value: unknown;
        if (values !== undefined) value = values[index];
        else {
          try {
            value = JSON.parse(records[index]!);
          } catch (error) {
            // One line: V8 quotes the text around the fault, which in RS framing may span lines.
            const reason = (error as Error).message.replace(/\s+/g, ' ').replaceAll(RECORD_SEPARATOR, '\\x1e');
            // The opposite mistake (no RS in a .geojsons file) has its own hint; this is the same for RS in one-a-line files.
            const hint = framing === 'lines' && records[index]!.startsWith(RECORD_SEPARATOR) ? '; it starts with RS (0x1E), as a GeoJSON text sequence does: read it as .geojsons or with --format geojsons' : '';
            invalid.reject(new FeatureFileError(`${where()}: not valid JSON: ${reason}${hint}`));
            continue;
          }
        }
        try {
          batch.push(geoJsonFeature(value, file));
        } catch (error) {
          if (!(error instanceof FeatureFileError)) throw error;
          invalid.reject(convertedAgain(geoJsonFeature, value, where(), error));
        }
      }
      return batch;
    };
    try {
      for await (const chunk of input as AsyncIterable<string>) {
        const text = carry + chunk;
        const last = text.lastIndexOf(separator);
        if (last === -1) {
          carry = text;
          continue;
        }
        carry = text.slice(last + 1);
        const batch = convert(text.slice(0, last).split(separator));
        if (batch.length > 0) yield batch;
      }
      // The last record needs no separator after it (a file's last line often has no line feed).
      const batch = convert([carry]);
      if (batch.length > 0) yield batch;
    } catch (error) {
      throw readFailure(file, error);
    }
  }
  return streamedFile(batches(), input, invalid);
}
