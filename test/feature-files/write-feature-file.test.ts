import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FEATURE_FORMATS } from '../../src/feature-files/feature-file.js';
import type { ByteSink } from '../../src/feature-files/feature-writer.js';
import { readFeatureFile } from '../../src/feature-files/read-feature-file.js';
import { createFeatureWriter, isBinaryFormat, WRITABLE_FORMATS } from '../../src/feature-files/write-feature-file.js';
import { collect, temporaryDirectory } from '../support/servers.js';
import { byPoint, trickyFeatures } from '../support/tricky-names.js';

let directory: ReturnType<typeof temporaryDirectory>;
beforeEach(() => {
  directory = temporaryDirectory('routeguide-writers-');
});
afterEach(() => directory.remove());

/** A sink that keeps every chunk, as bytes. */
function memorySink(): ByteSink & { chunks: Buffer[] } {
  const chunks: Buffer[] = [];
  return {
    chunks,
    async write(chunk) {
      chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk));
    },
  };
}

describe('createFeatureWriter', () => {
  it('has a writer for every format seed reads', () => {
    expect([...WRITABLE_FORMATS].sort()).toEqual([...FEATURE_FORMATS].sort());
  });

  it.each(WRITABLE_FORMATS)('%s: what it writes, seed reads back to the same features, names byte for byte', async (format) => {
    const features = trickyFeatures(2_000);
    const sink = memorySink();
    const writer = createFeatureWriter(format, sink);
    for (let from = 0; from < features.length; from += 300) await writer.write(features.slice(from, from + 300));
    await writer.end();
    const path = join(directory.path, `export.${format}`);
    writeFileSync(path, Buffer.concat(sink.chunks));
    expect(byPoint(await collect(readFeatureFile(path, format).features))).toEqual(byPoint(features));
  });

  it.each(WRITABLE_FORMATS)('%s: an empty export is a file seed reads as no features', async (format) => {
    const sink = memorySink();
    await createFeatureWriter(format, sink).end();
    const path = join(directory.path, `empty.${format}`);
    writeFileSync(path, Buffer.concat(sink.chunks));
    expect(await collect(readFeatureFile(path, format).features)).toEqual([]);
  });

  it.each(WRITABLE_FORMATS.filter((format) => !isBinaryFormat(format)))('%s writes each batch as it receives it, in one write', async (format) => {
    const sink = memorySink();
    const writer = createFeatureWriter(format, sink);
    await writer.write([{ name: 'first', latitude: 1, longitude: 2 }, { name: 'second', latitude: 3, longitude: 4 }]);
    expect(sink.chunks).toHaveLength(1);
    expect(sink.chunks[0]!.toString('utf8')).toContain('second');
    await writer.write([{ name: 'third', latitude: 5, longitude: 6 }]);
    expect(sink.chunks).toHaveLength(2);
  });
});
