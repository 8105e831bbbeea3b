import type { FeatureFormat } from './feature-file.js';
import type { ByteSink, FeatureWriter } from './feature-writer.js';
import { createFlatGeobufWriter } from './flatgeobuf-writer.js';
import { createParquetWriter } from './parquet-writer.js';
import { createCsvWriter, createGeoJsonlWriter, createGeoJsonsWriter, createGeoJsonWriter, createJsonWriter } from './text-writers.js';

/** How to write one format: its writer, and whether its bytes are binary (no terminal shows them). */
interface WriterEntry {
  readonly create: (sink: ByteSink) => FeatureWriter;
  readonly binary: boolean;
  /** What the file holds, in a few words, for `--format`'s help. */
  readonly summary: string;
}

/** Every format `seed` reads, and how to write it: a format missing here does not compile. */
const WRITERS: { readonly [Format in FeatureFormat]: WriterEntry } = {
  json: { create: createJsonWriter, binary: false, summary: 'route_guide_db.json, E7' },
  geojson: { create: createGeoJsonWriter, binary: false, summary: 'a FeatureCollection of Points, degrees' },
  csv: { create: createCsvWriter, binary: false, summary: 'name,latitude,longitude in degrees' },
  geojsonl: { create: createGeoJsonlWriter, binary: false, summary: 'one Feature a line' },
  geojsons: { create: createGeoJsonsWriter, binary: false, summary: 'RFC 8142 GeoJSON text sequence' },
  fgb: { create: createFlatGeobufWriter, binary: true, summary: 'FlatGeobuf Point layer, EPSG:4326, no spatial index' },
  parquet: { create: createParquetWriter, binary: true, summary: 'GeoParquet 1.1, WKB points, snappy' },
};

/** The formats there is a writer for, in the order of the table above. */
export const WRITABLE_FORMATS = Object.keys(WRITERS) as readonly FeatureFormat[];

/** A writer of `format` to `sink`, which writes as it receives (one batch held at a time). */
export function createFeatureWriter(format: FeatureFormat, sink: ByteSink): FeatureWriter {
  return WRITERS[format].create(sink);
}

/** `json (route_guide_db.json, E7), ...`: every format written, for a help text. */
export function writtenFormatsText(): string {
  return WRITABLE_FORMATS.map((format) => `${format} (${WRITERS[format].summary})`).join(', ');
}

/** Whether `format` is binary, so that a command refuses to write it to a terminal. */
export function isBinaryFormat(format: FeatureFormat): boolean {
  return WRITERS[format].binary;
}
