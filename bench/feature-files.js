// Writes the same synthetic features as `routeguide seed --synthetic N --random-seed S` in each file
// format the importers read, so that the bench can time each format against --synthetic.
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { syntheticFeatures } from '../dist/feature-files/synthetic-features.js';
import { e7ToDegrees } from '../dist/geo/e7.js';

const FORMATS = {
  json: {
    head: '[\n',
    record: (f) => JSON.stringify(f.name === '' ? { location: { latitude: f.latitude, longitude: f.longitude } } : { location: { latitude: f.latitude, longitude: f.longitude }, name: f.name }),
    separator: ',\n',
    tail: '\n]\n',
  },
  geojson: {
    head: '{"type": "FeatureCollection", "features": [\n',
    record: (f) =>
      JSON.stringify({
        type: 'Feature',
        geometry: { type: 'Point', coordinates: [Number(e7ToDegrees(f.longitude)), Number(e7ToDegrees(f.latitude))] },
        properties: f.name === '' ? null : { name: f.name },
      }),
    separator: ',\n',
    tail: '\n]}\n',
  },
  csv: {
    head: 'name,latitude,longitude\n',
    record: (f) => `"${f.name.replaceAll('"', '""')}",${e7ToDegrees(f.latitude)},${e7ToDegrees(f.longitude)}`,
    separator: '\n',
    tail: '\n',
  },
};

/** Writes `n` synthetic features (seed `seed`) to `path` in `format`: json, geojson or csv. */
export async function writeFeatureFile(path, format, n, seed) {
  const { head, record, separator, tail } = FORMATS[format];
  const out = createWriteStream(path);
  let chunk = head;
  let first = true;
  for (const feature of syntheticFeatures(n, seed)) {
    chunk += (first ? '' : separator) + record(feature);
    first = false;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk + tail);
  await once(out, 'finish');
}
