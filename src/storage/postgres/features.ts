import type { SerialQueue } from '../serial-queue.js';
import type { CommittedImport, FeatureRecord, InsertSummary, Storage } from '../storage.js';
import type { CursorScans } from './cursor-scans.js';
import type { PostgresDatabase } from './database.js';
import { LAST_POSITION_SQL } from './feed-positions.js';
import { importFeatures } from './import.js';

/** The features and the import feed of a PostgreSQL storage: the Storage calls that read and write features. */
export type PostgresFeatures = Pick<Storage, 'countFeatures' | 'hasFeatures' | 'insertFeatures' | 'scanFeatures' | 'lastImportPosition' | 'importsAfter' | 'importToken' | 'scanImport'>;

/** `inserts` runs the imports one after the other, in call order (close() waits for the one in flight). */
export function createPostgresFeatures(database: PostgresDatabase, scans: CursorScans, inserts: SerialQueue): PostgresFeatures {

  async function insertNow(input: Iterable<FeatureRecord> | AsyncIterable<FeatureRecord>): Promise<InsertSummary> {
    // Queued imports that had not started when close() began are refused here.
    await database.assertOpen();
    const held = await database.holdConnection();
    try {
      const summary = await database.reach(() => importFeatures(held.client, input));
      held.letGo(false);
      return summary;
    } catch (error) {
      // Dropped rather than reused: a failed COPY may leave the connection in an unknown state.
      held.letGo(true);
      throw error;
    }
  }

  return {
    async countFeatures() {
      await database.assertOpen();
      const { rows } = await database.query<{ count: string }>('SELECT count(*) AS count FROM features');
      return Number(rows[0]!.count);
    },

    async hasFeatures() {
      await database.assertOpen();
      const { rows } = await database.query<{ stored: boolean }>('SELECT EXISTS (SELECT 1 FROM features) AS stored');
      return rows[0]!.stored;
    },

    insertFeatures(input) {
      // Queued at once, in call order; each checks that the storage is open when its turn comes.
      if (database.isClosing()) return Promise.reject(database.closedError());
      return inserts.run(() => insertNow(input));
    },

    scanFeatures(batchSize = 10_000) {
      return scans.scan('SELECT latitude, longitude, name FROM features', batchSize);
    },

    async lastImportPosition() {
      await database.assertOpen();
      const { rows } = await database.query<{ last_position: string }>(LAST_POSITION_SQL, ['imports']);
      return Number(rows[0]!.last_position);
    },

    async importsAfter(position, limit) {
      await database.assertOpen();
      if (limit <= 0) return [];
      const { rows } = await database.query<{ position: string }>(
        'SELECT position FROM imports WHERE position > $1 ORDER BY position LIMIT $2',
        [position, limit],
      );
      return rows.map((row): CommittedImport => ({ position: Number(row.position) }));
    },

    async importToken(position) {
      await database.assertOpen();
      // Positions are whole numbers: any other is none (and would not parse as a bigint).
      if (!Number.isSafeInteger(position)) return undefined;
      const { rows } = await database.query<{ token: string }>('SELECT token FROM imports WHERE position = $1', [position]);
      return rows[0]?.token;
    },

    async *scanImport(position, batchSize = 10_000) {
      await database.assertOpen();
      const { rows } = await database.query<{ id: string }>('SELECT id FROM imports WHERE position = $1', [position]);
      if (rows.length === 0) return;
      // The import's rows were appended together: features_by_import (BRIN) finds their pages.
      // The id is the database's own bigint, so it goes into the cursor's text as a number.
      yield* scans.scan(`SELECT latitude, longitude, name FROM features WHERE import_id = ${BigInt(rows[0]!.id)}`, batchSize);
    },
  };
}
