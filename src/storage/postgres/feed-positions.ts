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
 * Stores one note with the next position of the notes feed, in one statement (and so one
 * transaction, committed when it returns): the position row is locked from the UPDATE to the commit.
 */
export const ADD_NOTE_SQL = `WITH next AS (
    UPDATE feed_positions SET last_position = last_position + 1 WHERE feed = 'notes' RETURNING last_position
  )
  INSERT INTO notes (position, latitude, longitude, message, created_at)
  SELECT last_position, $1, $2, $3, $4 FROM next`;

/** The last position handed out on a feed (0 before the first). */
export const LAST_POSITION_SQL = 'SELECT last_position FROM feed_positions WHERE feed = $1';
