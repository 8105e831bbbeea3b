import type { FeatureRecord } from '../storage.js';
import type { HeldConnection, PostgresDatabase } from './database.js';

/** Feature scans through server-side cursors, each on a connection of its own. */
export interface CursorScans {
  /**
   * Rows of `select` (latitude, longitude, name) in batches, from a cursor in one REPEATABLE READ
   * transaction on a held connection: an import that commits meanwhile is seen whole or not at all.
   * Once close() has begun, the scan stops at its next batch with the closed error.
   */
  scan(select: string, batchSize: number): AsyncGenerator<readonly FeatureRecord[]>;
  /** Drops the connection of every scan in progress, so that a scan left unfinished never holds close() up. */
  dropAll(): void;
}

export function createCursorScans(database: PostgresDatabase): CursorScans {
  const scans = new Set<HeldConnection>();
  return {
    async *scan(select, batchSize) {
      await database.assertOpen();
      const held = await database.holdConnection();
      const { client } = held;
      scans.add(held);
      let committed = false;
      try {
        await database.reach(() => client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY'));
        await database.reach(() => client.query(`DECLARE scan NO SCROLL CURSOR FOR ${select}`));
        for (;;) {
          // The scan pauses at each batch: once closed, it stops there.
          await database.assertOpen();
          const { rows } = await database.reach(() =>
            client.query<[number, number, string]>({ text: `FETCH ${Math.max(1, batchSize)} FROM scan`, rowMode: 'array' }),
          );
          if (rows.length === 0) break;
          yield rows.map(([latitude, longitude, name]) => ({ latitude, longitude, name }));
        }
        await client.query('COMMIT');
        committed = true;
      } catch (error) {
        if (database.isClosing()) throw database.closedError(error);
        throw error;
      } finally {
        // dropAll() may have dropped the connection already.
        if (scans.delete(held)) {
          // A scan abandoned or failed part way leaves its transaction open: drop that connection.
          held.letGo(!committed);
        }
      }
    },

    dropAll() {
      for (const held of scans) held.letGo(true);
      scans.clear();
    },
  };
}
