import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import './postgres-setup.js';

/** The run's throwaway cluster (see postgres-setup.ts), or '' when PostgreSQL is not installed here. */
export const POSTGRES_BASE_URL = inject('postgresBaseUrl');
/** Whether the PostgreSQL tests run: describe.skipIf(!HAVE_POSTGRES). */
export const HAVE_POSTGRES = POSTGRES_BASE_URL !== '';

/** The URL of database `name` in the run's cluster. */
export function postgresUrl(name: string): string {
  return `${POSTGRES_BASE_URL}${name}`;
}

/** Runs one statement on the cluster's `postgres` database. */
export async function adminQuery(sql: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: postgresUrl('postgres') });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A new, empty database of its own for one test, so that tests never see each other's rows; returns its URL. */
export async function createTestDatabase(prefix = 'test'): Promise<string> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  return postgresUrl(name);
}
