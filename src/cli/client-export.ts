import { once } from 'node:events';
import { FEATURE_FORMATS, formatsText, type FeatureFormat } from '../feature-files/feature-file.js';
import type { ByteSink } from '../feature-files/feature-writer.js';
import { createFeatureWriter, isBinaryFormat } from '../feature-files/write-feature-file.js';
import { choiceSetting } from '../common/setting-values.js';
import { point } from './client-input.js';
import type { ClientCommand } from './client-command.js';
import { UsageError } from './errors.js';

const USAGE = `routeguide client export LO_LAT LO_LNG HI_LAT HI_LNG [--format ${FEATURE_FORMATS.join('|')}]`;

/**
 * Stdout as a writer's sink: a write waits while stdout's buffer is full, so that an export of
 * millions of features holds one batch at a time however slowly the output is read. It resolves
 * early once `signal` aborts (the reader went away: see output-closed.ts).
 */
function stdoutSink(signal: AbortSignal | undefined): ByteSink {
  return {
    async write(chunk) {
      if (process.stdout.write(chunk) || signal?.aborted) return;
      await once(process.stdout, 'drain', signal === undefined ? {} : { signal }).catch(() => {});
    },
  };
}

/** `client export`: every feature of a rectangle, as a seed file on stdout. */
export const exportCommand: ClientCommand = {
  usage: USAGE,
  summary: 'ExportFeatures: writes every feature inside the rectangle (degrees, edges included) to stdout as a seed file.',
  arity: 4,
  settings: {
    format: {
      schema: choiceSetting(FEATURE_FORMATS, 'json'),
      description: `the seed file format: ${formatsText()}`,
      defaultText: 'json',
      valueName: 'FORMAT',
    },
  },
  async run({ client, args: [loLat, loLng, hiLat, hiLng], call, options }) {
    const format = options['format'] as FeatureFormat;
    if (isBinaryFormat(format) && process.stdout.isTTY) {
      throw new UsageError(`routeguide client export: --format ${format} is binary and stdout is a terminal; redirect it to a file (> export.${format}) or a pipe`);
    }
    const rectangle = { lo: point(loLat!, loLng!), hi: point(hiLat!, hiLng!) };
    const signal = call.signal;
    const writer = createFeatureWriter(format, stdoutSink(signal));
    for await (const { features } of client.exportFeatures({ rectangle }, call)) {
      await writer.write(features.map(({ name, location }) => ({ name, latitude: location?.latitude ?? 0, longitude: location?.longitude ?? 0 })));
      // The reader is gone: stop here (leaving the loop cancels the call); main reports it.
      if (signal?.aborted) return 0;
    }
    await writer.end();
    return 0;
  },
};
