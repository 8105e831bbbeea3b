import type { FeedNote, Storage, StoredNote } from '../storage.js';
import type { PostgresDatabase } from './database.js';
import { ADD_NOTES_SQL, LAST_POSITION_SQL } from './feed-positions.js';
import { notesAtEach } from './notes-at-each.js';

/** Notes deleted per statement by pruneNotes. */
const PRUNES_PER_BATCH = 5_000;

interface NoteRow {
  position: string;
  latitude: number;
  longitude: number;
  message: string;
}

/** The notes and the note feed of a PostgreSQL storage: the Storage calls that read and write notes. */
export type PostgresNotes = Pick<Storage, 'addNotes' | 'notesAt' | 'notesAtEach' | 'lastNotePosition' | 'notesAfter' | 'pruneNotes'>;

export function createPostgresNotes(database: PostgresDatabase): PostgresNotes {
  return {
    async addNotes(notes) {
      await database.assertOpen();
      if (notes.length === 0) return;
      // Read every note before the statement: a note that throws stores nothing.
      const latitudes: number[] = [];
      const longitudes: number[] = [];
      const messages: string[] = [];
      for (const note of notes) {
        latitudes.push(note.latitude);
        longitudes.push(note.longitude);
        messages.push(note.message);
      }
      await database.query(ADD_NOTES_SQL, [latitudes, longitudes, messages, Date.now()]);
    },

    async notesAtEach(points, limit) {
      await database.assertOpen();
      if (limit <= 0 || points.length === 0) return points.map(() => []);
      return notesAtEach((sql, values) => database.query(sql, values), points, limit);
    },

    async lastNotePosition() {
      await database.assertOpen();
      const { rows } = await database.query<{ last_position: string }>(LAST_POSITION_SQL, ['notes']);
      return Number(rows[0]!.last_position);
    },

    async notesAfter(position, limit) {
      await database.assertOpen();
      if (limit <= 0) return [];
      const { rows } = await database.query<NoteRow>(
        'SELECT position, latitude, longitude, message FROM notes WHERE position > $1 ORDER BY position LIMIT $2',
        [position, limit],
      );
      return rows.map((row): FeedNote => ({ latitude: row.latitude, longitude: row.longitude, message: row.message, position: Number(row.position) }));
    },

    async notesAt(latitude, longitude, limit) {
      await database.assertOpen();
      if (limit <= 0) return [];
      const { rows } = await database.query<NoteRow>(
        `SELECT latitude, longitude, message FROM (
           SELECT position, latitude, longitude, message FROM notes
           WHERE latitude = $1 AND longitude = $2 ORDER BY position DESC LIMIT $3
         ) AS recent ORDER BY position`,
        [latitude, longitude, limit],
      );
      return rows.map((row): StoredNote => ({ latitude: row.latitude, longitude: row.longitude, message: row.message }));
    },

    async pruneNotes(cutoff) {
      let deleted = 0;
      for (;;) {
        await database.assertOpen();
        // In batches, so that a large backlog never holds many row locks for long.
        const { rowCount } = await database.query(
          `DELETE FROM notes WHERE position IN (
             SELECT position FROM notes WHERE created_at < $1 ORDER BY created_at LIMIT ${PRUNES_PER_BATCH})`,
          [cutoff],
        );
        deleted += rowCount ?? 0;
        if ((rowCount ?? 0) < PRUNES_PER_BATCH) return deleted;
      }
    },
  };
}
