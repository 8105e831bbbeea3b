import { defineConfig } from 'vitest/config';

/** `npm run test:package`: packs the project and tries the tarball as a user would (a few minutes). */
export default defineConfig({
  test: {
    include: ['test/package/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 600_000,
    hookTimeout: 600_000,
  },
});
