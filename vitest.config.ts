import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Packing and installing the package compiles better-sqlite3 again: `npm run test:package`.
    exclude: ['test/package/**', 'node_modules/**'],
    // Servers and SQLite files: give each file its own process, two at a time (the machine has 2 cores).
    pool: 'forks',
    // One throwaway PostgreSQL for the whole run (skipped, with one line, where it is not installed).
    globalSetup: ['test/support/postgres-setup.ts'],
    maxWorkers: 2,
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
