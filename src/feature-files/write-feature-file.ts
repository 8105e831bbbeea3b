import type { FeatureFormat } from './feature-file.js';
import type { ByteSink, FeatureWriter } from './feature-writer.js';
import { createFlatGeobufWriter } from './flatgeobuf-writer.js';
import { createCsvWriter, createGeoJsonlWriter, createGeoJsonsWriter, createGeoJsonWriter, createJsonWriter } from './text-writers.js';

/** How to write one format: its writer, and whether its bytes are binary (no terminal shows them). */
interface WriterEntry {
  readonly create: (sink: ByteSink) => FeatureWriter;
  readonly binary: boolean;
}

/** Every format `seed` reads, and how to write it: a format missing here does not compile. */
const WRITERS: { readonly [Format in FeatureFormat]: WriterEntry } = {
  json: { create: createJsonWriter, binary: false },
  geojson: { create: createGeoJsonWriter, binary: false },
  csv: { create: createCsvWriter, binary: false },
  geojsonl: { create: createGeoJsonlWriter, binary: false },
  geojsons: { create: createGeoJsonsWriter, binary: false },
  fgb: { create: createFlatGeobufWriter, binary: true },
};

/** The formats there is a writer for, in the order of the table above. */
export const WRITABLE_FORMATS = Object.keys(WRITERS) as readonly FeatureFormat[];

/** A writer of `format` to `sink`, which writes as it receives (one batch held at a time). */
export function createFeatureWriter(format: FeatureFormat, sink: ByteSink): FeatureWriter {
  return WRITERS[format].create(sink);
}

/** Whether `format` is binary, so that a command refuses to write it to a terminal. */
export function isBinaryFormat(format: FeatureFormat): boolean {
  return WRITERS[format].binary;
}
