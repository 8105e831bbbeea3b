// What goload needs from a seeded SQLite database, read straight from it with better-sqlite3 (not
// through the server under measurement): a sample of about 1M stored points as a features file in
// route_guide_db.json's shape, and a small rectangle with about 100 features in it, counted.
import { writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';

/** Points in the sample: about this many (every k-th by a hash of the point, so spread evenly). */
const SAMPLE_POINTS = 1_000_000;

/**
 * Writes about 1M of the stored points to `file` (all of them under 1M), chosen by a hash of their
 * coordinates, so that the sample is the same for the same database. Resolves with how many.
 */
export function writePointSample(database, file) {
  const db = new Database(database, { readonly: true });
  try {
    const count = db.prepare('SELECT count(*) AS n FROM features').get().n;
    const every = Math.max(1, Math.floor(count / SAMPLE_POINTS));
    const points = db
      .prepare('SELECT latitude, longitude FROM features WHERE abs(latitude * 1000003 + longitude * 7919) % ? = 0')
      .raw()
      .all(every);
    const json = '[' + points.map(([latitude, longitude]) => `{"location":{"latitude":${latitude},"longitude":${longitude}}}`).join(',\n') + ']';
    writeFileSync(file, json);
    return { stored: count, points: points.length, sample: points };
  } finally {
    db.close();
  }
}

/**
 * A square around one of `sample`'s points (the one at `where` of the way through it) holding
 * about `target` stored features (within 20%), grown or shrunk by halving: { rectangle, hits }.
 */
export function smallRectangle(database, sample, target = 100, where = 0.37) {
  const db = new Database(database, { readonly: true });
  try {
    const count = db.prepare(
      'SELECT count(*) AS n FROM features WHERE latitude BETWEEN ? AND ? AND longitude BETWEEN ? AND ?',
    );
    for (let attempt = 0; attempt < 20; attempt++) {
      const [latitude, longitude] = sample[Math.floor(((where + attempt * 0.031) % 1) * sample.length)];
      let low = 1;
      let high = 50_000_000;
      while (low <= high) {
        const half = Math.floor((low + high) / 2);
        const rectangle = {
          lo: { latitude: Math.max(-900_000_000, latitude - half), longitude: Math.max(-1_800_000_000, longitude - half) },
          hi: { latitude: Math.min(900_000_000, latitude + half), longitude: Math.min(1_800_000_000, longitude + half) },
        };
        const hits = count.get(rectangle.lo.latitude, rectangle.hi.latitude, rectangle.lo.longitude, rectangle.hi.longitude).n;
        if (hits >= target * 0.8 && hits <= target * 1.2) return { rectangle, hits };
        if (hits < target) low = half + 1;
        else high = half - 1;
      }
    }
    throw new Error(`no square with about ${target} features found`);
  } finally {
    db.close();
  }
}

/** goload's -rect for a rectangle: lo_lat,lo_lng,hi_lat,hi_lng. */
export function rectFlag({ lo, hi }) {
  return `${lo.latitude},${lo.longitude},${hi.latitude},${hi.longitude}`;
}
