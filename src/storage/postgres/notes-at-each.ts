import type pg from 'pg';
import type { PointE7 } from '../../geo/feature.js';
import { pointKey } from '../../geo/point-key.js';
import type { StoredNote } from '../storage.js';

/**
 * For each asked point (arrays $1 latitudes, $2 longitudes), its last $3 notes through
 * notes_by_location, oldest first at each point. One statement: one snapshot of the notes.
 */
const NOTES_AT_EACH_SQL = `SELECT asked.ordinal, recent.message
  FROM unnest($1::integer[], $2::integer[]) WITH ORDINALITY AS asked (latitude, longitude, ordinal)
  CROSS JOIN LATERAL (
    SELECT position, message FROM notes
    WHERE notes.latitude = asked.latitude AND notes.longitude = asked.longitude
    ORDER BY position DESC LIMIT $3
  ) AS recent
  ORDER BY asked.ordinal, recent.position`;

/** notesAtEach for PostgreSQL: one query for every distinct point asked. */
export async function notesAtEach(
  query: (sql: string, values: unknown[]) => Promise<pg.QueryResult<{ ordinal: string; message: string }>>,
  points: readonly PointE7[],
  limit: number,
): Promise<StoredNote[][]> {
  const found = new Map<string, StoredNote[]>();
  const distinct: PointE7[] = [];
  for (const point of points) {
    const key = pointKey(point.latitude, point.longitude);
    if (found.has(key)) continue;
    found.set(key, []);
    distinct.push(point);
  }
  const { rows } = await query(NOTES_AT_EACH_SQL, [distinct.map((point) => point.latitude), distinct.map((point) => point.longitude), limit]);
  for (const row of rows) {
    const { latitude, longitude } = distinct[Number(row.ordinal) - 1]!;
    found.get(pointKey(latitude, longitude))!.push({ latitude, longitude, message: row.message });
  }
  // A new array for every point asked, repeats included.
  return points.map(({ latitude, longitude }) => [...found.get(pointKey(latitude, longitude))!]);
}
