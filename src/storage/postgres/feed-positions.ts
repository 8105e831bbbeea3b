import type pg from 'pg';

/** The feeds numbered in commit order (see migrations/postgres/001: feed_positions). */
export type Feed = 'notes' | 'imports';

/**
 * Takes the next position of `feed` inside the caller's transaction. Run it as the last statement
 * before COMMIT: the feed's row stays locked until the transaction ends, so positions follow commit order.
 */
export async function takePosition(client: pg.PoolClient, feed: Feed): Promise<number> {
  const { rows } = await client.query<{ last_position: string }>(
    'UPDATE feed_positions SET last_position = last_position + 1 WHERE feed = $1 RETURNING last_position',
    [feed],
  );
  return Number(rows[0]!.last_position);
}

/**
 * Stores a batch of notes (arrays $1 latitudes, $2 longitudes, $3 messages; $4 created_at) with the
 * next positions of the notes feed, in the order given, in one multi-row statement: one transaction,
 * committed when it returns, all or nothing. The UPDATE takes as many positions as there are notes
 * and keeps the position row locked to the commit, so positions follow commit order.
 */
export const ADD_NOTES_SQL = `WITH next AS (
    UPDATE feed_positions SET last_position = last_position + cardinality($1::integer[])
    WHERE feed = 'notes' RETURNING last_position - cardinality($1::integer[]) AS base
  )
  INSERT INTO notes (position, latitude, longitude, message, created_at)
  SELECT next.base + given.ordinal, given.latitude, given.longitude, given.message, $4
  FROM next, unnest($1::integer[], $2::integer[], $3::text[]) WITH ORDINALITY AS given (latitude, longitude, message, ordinal)`;

/** The last position handed out on a feed (0 before the first). */
export const LAST_POSITION_SQL = 'SELECT last_position FROM feed_positions WHERE feed = $1';
