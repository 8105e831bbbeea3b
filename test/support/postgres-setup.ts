import type { TestProject } from 'vitest/node';
import { findPostgresBinaries, INSTALL_HINT, startCluster } from '../../scripts/postgres-cluster.js';

/**
 * vitest's global setup: one throwaway PostgreSQL cluster for every test file of the run (each test
 * makes its own database in it), stopped and removed at the end. Without PostgreSQL the PostgreSQL
 * tests skip, with one line saying how to install it; with CI=true that is a failure instead.
 */
export default async function setup(project: TestProject): Promise<(() => void) | undefined> {
  const binaries = findPostgresBinaries();
  if (binaries === undefined) {
    if (process.env.CI === 'true') {
      throw new Error(`CI=true and PostgreSQL is not installed (no initdb found): the PostgreSQL tests must run; ${INSTALL_HINT}`);
    }
    console.warn(`PostgreSQL tests skipped: no initdb found; to run them, ${INSTALL_HINT}`);
    project.provide('postgresBaseUrl', '');
    return undefined;
  }
  // fsync off: the tests check behaviour, not durability, and CREATE DATABASE per test syncs a lot.
  const cluster = await startCluster(binaries, { settings: { fsync: 'off' } });
  project.provide('postgresBaseUrl', cluster.baseUrl);
  return () => cluster.stop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** `postgres://USER:PASSWORD@127.0.0.1:PORT/` of the run's throwaway cluster; '' when PostgreSQL is missing. */
    postgresBaseUrl: string;
  }
}
