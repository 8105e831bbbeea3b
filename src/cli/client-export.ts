import { once } from 'node:events';
import type { Feature } from '../gen/messages/route_guide.js';
import { FEATURE_FORMATS, type FeatureFormat } from '../feature-files/feature-file.js';
import { choiceSetting } from '../common/setting-values.js';
import { e7ToDegrees } from '../geo/e7.js';
import { point } from './client-input.js';
import type { ClientCommand } from './client-command.js';

/** How one format writes a seed file: what comes first, each feature (the first one apart), what comes last. */
interface SeedFileWriter {
  readonly start: string;
  entry(feature: Feature, first: boolean): string;
  readonly end: string;
}

const quotedCsv = /[",\r\n]/;

/** RFC 4180: a field holding a quote, a comma or a line break is quoted, its quotes doubled. */
function csvField(text: string): string {
  return quotedCsv.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * The seed formats `routeguide seed` reads (feature-files/), written so that it reads back the same
 * E7 values: json in E7 as route_guide_db.json has it, csv and geojson in degrees as e7ToDegrees
 * writes them (exact to 7 decimals, which the importers round back to the same integer).
 */
const writers: Record<Exclude<FeatureFormat, 'fgb'>, SeedFileWriter> = { // fgb: flatgeobuf-writer.ts, joined in write-feature-file.ts at the merge
  json: {
    start: '[',
    entry: ({ name, location }, first) =>
      `${first ? '' : ','}\n${JSON.stringify({ location: { latitude: location?.latitude ?? 0, longitude: location?.longitude ?? 0 }, name })}`,
    end: '\n]\n',
  },
  csv: {
    start: 'name,latitude,longitude\n',
    entry: ({ name, location }) => `${csvField(name)},${e7ToDegrees(location?.latitude ?? 0)},${e7ToDegrees(location?.longitude ?? 0)}\n`,
    end: '',
  },
  geojson: {
    start: '{"type":"FeatureCollection","features":[',
    entry: ({ name, location }, first) =>
      `${first ? '' : ','}\n{"type":"Feature","geometry":{"type":"Point","coordinates":[${e7ToDegrees(location?.longitude ?? 0)},${e7ToDegrees(
        location?.latitude ?? 0,
      )}]},"properties":{"name":${JSON.stringify(name)}}}`,
    end: '\n]}\n',
  },
};

/**
 * Writes to stdout, waiting while its buffer is full, so that an export of millions of features holds
 * one batch at a time however slowly the output is read. Resolves early once `signal` aborts (the
 * reader went away: see output-closed.ts).
 */
async function writeOut(text: string, signal: AbortSignal | undefined): Promise<void> {
  if (process.stdout.write(text) || signal?.aborted) return;
  await once(process.stdout, 'drain', signal === undefined ? {} : { signal }).catch(() => {});
}

/** `client export`: every feature of a rectangle, as a seed file on stdout. */
export const exportCommand: ClientCommand = {
  usage: 'routeguide client export LO_LAT LO_LNG HI_LAT HI_LNG [--format json|csv|geojson]',
  summary: 'ExportFeatures: writes every feature inside the rectangle (degrees, edges included) to stdout as a seed file.',
  arity: 4,
  settings: {
    format: {
      schema: choiceSetting(FEATURE_FORMATS, 'json'),
      description: 'the seed file format: json (route_guide_db.json, E7), csv (name,latitude,longitude in degrees), geojson (Points in degrees)',
      defaultText: 'json',
      valueName: 'FORMAT',
    },
  },
  async run({ client, args: [loLat, loLng, hiLat, hiLng], call, options }) {
    const writer = writers[options['format'] as Exclude<FeatureFormat, 'fgb'>];
    const rectangle = { lo: point(loLat!, loLng!), hi: point(hiLat!, hiLng!) };
    const signal = call.signal;
    let first = true;
    await writeOut(writer.start, signal);
    for await (const { features } of client.exportFeatures({ rectangle }, call)) {
      // One write per batch: a string per feature, joined, costs far less than a write per feature.
      let text = '';
      for (const feature of features) {
        text += writer.entry(feature, first);
        first = false;
      }
      await writeOut(text, signal);
      // The reader is gone: stop here (leaving the loop cancels the call); main reports it.
      if (signal?.aborted) return 0;
    }
    await writeOut(writer.end, signal);
    return 0;
  },
};
