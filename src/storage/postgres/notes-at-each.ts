import type pg from 'pg';
import type { PointE7 } from '../../geo/feature.js';
import { distinctPoints, notesForEachPoint } from '../notes-at-each.js';
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
  const distinct = distinctPoints(points);
  const { rows } = await query(NOTES_AT_EACH_SQL, [distinct.map((point) => point.latitude), distinct.map((point) => point.longitude), limit]);
  const found = rows.map((row): StoredNote => {
    const { latitude, longitude } = distinct[Number(row.ordinal) - 1]!;
    return { latitude, longitude, message: row.message };
  });
  return notesForEachPoint(points, found);
}
