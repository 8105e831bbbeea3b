import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';

/** The project's `migrations/postgres/` folder, found from this file whether it runs from src/ or dist/. */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../../../migrations/postgres/', import.meta.url));

/**
 * The advisory lock key held while migrating ("RGmi" in ASCII). A session-level lock: it spans the
 * migrations' own transactions, and PostgreSQL drops it if the process dies.
 */
export const MIGRATION_LOCK_KEY = 0x52_47_6d_69;

/**
 * Applies the numbered `*.sql` files in name order, each once, recording each in `schema_migrations`
 * in the same transaction as its statements. Servers starting at once queue on an advisory lock, so
 * the first migrates and the others find nothing left to do. Returns the names applied by this call.
 */
export async function applyMigrations(pool: pg.Pool, dir: string = MIGRATIONS_DIR): Promise<string[]> {
  const files = readdirSync(dir)
    .filter((file) => file.endsWith('.sql'))
    .sort();
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        name       text PRIMARY KEY,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
      const applied = new Set((await client.query<{ name: string }>('SELECT name FROM schema_migrations')).rows.map((row) => row.name));
      const ran: string[] = [];
      for (const file of files) {
        if (applied.has(file)) continue;
        const sql = readFileSync(`${dir}/${file}`, 'utf8');
        await client.query('BEGIN');
        try {
          await client.query(sql);
          await client.query('INSERT INTO schema_migrations (name) VALUES ($1)', [file]);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK');
          throw new Error(`migration ${file} failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
        }
        ran.push(file);
      }
      return ran;
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } catch (error) {
    // A connection in an unknown state is not handed back to the pool.
    broken = error instanceof Error ? error : new Error(String(error));
    throw error;
  } finally {
    client.release(broken);
  }
}
