import type { FeatureRecord } from '../geo/feature.js';
import { e7ToDegrees } from '../geo/e7.js';
import type { ByteSink, FeatureWriter } from './feature-writer.js';

/*
 * The text formats that `seed` reads, written so that it reads back the same E7 values and names:
 * json in E7 as route_guide_db.json has it; csv, geojson and the GeoJSON sequences in degrees as
 * e7ToDegrees writes them (exact to 7 decimals, which the readers round back to the same integer).
 */

/** What a text format writes first, for each feature (the first one apart), and last. */
interface TextFormat {
  readonly start: string;
  entry(feature: FeatureRecord, first: boolean): string;
  readonly end: string;
}

/** Writes `format` to `sink`: one string, and one write, for each batch. */
function createTextWriter(sink: ByteSink, format: TextFormat): FeatureWriter {
  let first = true;
  let started = false;
  const start = (): string => {
    if (started) return '';
    started = true;
    return format.start;
  };
  return {
    async write(batch) {
      // A string per feature, joined, costs far less than a write per feature.
      let text = start();
      for (const feature of batch) {
        text += format.entry(feature, first);
        first = false;
      }
      if (text !== '') await sink.write(text);
    },
    async end() {
      const text = start() + format.end;
      if (text !== '') await sink.write(text);
    },
  };
}

const quotedCsv = /[",\r\n]/;

/** RFC 4180: a field holding a quote, a comma or a line break is quoted, its quotes doubled. */
function csvField(text: string): string {
  return quotedCsv.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One GeoJSON Point Feature (RFC 7946), on one line. */
function geoJsonFeature({ name, latitude, longitude }: FeatureRecord): string {
  return `{"type":"Feature","geometry":{"type":"Point","coordinates":[${e7ToDegrees(longitude)},${e7ToDegrees(latitude)}]},"properties":{"name":${JSON.stringify(name)}}}`;
}

/** route_guide_db.json's shape: `[{"location": {"latitude": E7, "longitude": E7}, "name": "..."}, ...]`. */
export function createJsonWriter(sink: ByteSink): FeatureWriter {
  return createTextWriter(sink, {
    start: '[',
    entry: ({ name, latitude, longitude }, first) => `${first ? '' : ','}\n${JSON.stringify({ location: { latitude, longitude }, name })}`,
    end: '\n]\n',
  });
}

/** RFC 4180 CSV with the header `name,latitude,longitude`, in degrees. */
export function createCsvWriter(sink: ByteSink): FeatureWriter {
  return createTextWriter(sink, {
    start: 'name,latitude,longitude\n',
    entry: ({ name, latitude, longitude }) => `${csvField(name)},${e7ToDegrees(latitude)},${e7ToDegrees(longitude)}\n`,
    end: '',
  });
}

/** A GeoJSON (RFC 7946) FeatureCollection of Points, a feature a line. */
export function createGeoJsonWriter(sink: ByteSink): FeatureWriter {
  return createTextWriter(sink, {
    start: '{"type":"FeatureCollection","features":[',
    entry: (feature, first) => `${first ? '' : ','}\n${geoJsonFeature(feature)}`,
    end: '\n]}\n',
  });
}

/** Newline-delimited GeoJSON: one Point Feature a line. */
export function createGeoJsonlWriter(sink: ByteSink): FeatureWriter {
  return createTextWriter(sink, { start: '', entry: (feature) => `${geoJsonFeature(feature)}\n`, end: '' });
}

/** A GeoJSON text sequence (RFC 8142): each Point Feature after RS (0x1E), ending with a line feed. */
export function createGeoJsonsWriter(sink: ByteSink): FeatureWriter {
  return createTextWriter(sink, { start: '', entry: (feature) => `\x1e${geoJsonFeature(feature)}\n`, end: '' });
}
