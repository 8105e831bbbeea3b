import { afterEach, describe, expect, it } from 'vitest';
import { parseStorageUrl } from '../../../src/storage/open-storage.js';
import { openPostgresStorage } from '../../../src/storage/postgres/postgres-storage.js';
import type { PostgresStorageOptions, PostgresTarget } from '../../../src/storage/postgres/options.js';
import type { Storage } from '../../../src/storage/storage.js';
import { adminQuery, createTestDatabase, HAVE_POSTGRES } from '../../support/postgres.js';

/** Counts a storage's change signals; `next()` resolves at the first one after it is called. */
function watchSignals(storage: Storage) {
  let waiting: (() => void)[] = [];
  let count = 0;
  const stop = storage.onChange(() => {
    count++;
    const resolved = waiting;
    waiting = [];
    for (const resolve of resolved) resolve();
  });
  return {
    stop,
    get count() {
      return count;
    },
    next: () => new Promise<void>((resolve) => waiting.push(resolve)),
  };
}

describe.skipIf(!HAVE_POSTGRES)('PostgreSQL change signal (LISTEN/NOTIFY)', () => {
  const opened: Storage[] = [];
  afterEach(async () => {
    for (const storage of opened.splice(0)) await storage.close();
  });
  async function openTwo(extra: Partial<PostgresStorageOptions> = {}): Promise<{ database: string; listening: Storage; writer: Storage }> {
    const url = await createTestDatabase('changes');
    const location = parseStorageUrl(url);
    if (location.scheme !== 'postgres') throw new Error(`not a PostgreSQL URL: ${url}`);
    const target: PostgresTarget = location;
    const listening = openPostgresStorage({ target, ...extra });
    const writer = openPostgresStorage({ target });
    opened.push(listening, writer);
    await Promise.all([listening.ready, writer.ready]);
    return { database: target.database, listening, writer };
  }

  it('signals once listening begins, then on the notification of a note committed by another storage', async () => {
    const { listening, writer } = await openTwo();
    const signals = watchSignals(listening);
    await signals.next();
    const before = signals.count;
    const notified = signals.next();
    await writer.addNotes([{ latitude: 1, longitude: 1, message: 'elsewhere' }]);
    await notified;
    expect(signals.count).toBe(before + 1);
  }, 20_000);

  it('reports a cut listening connection once, listens again by itself, reports that and signals then, and hears later commits', async () => {
    const errors: string[] = [];
    const restored: number[] = [];
    const { database, listening, writer } = await openTwo({
      onChangeListenError: (error) => errors.push(error.message),
      onChangeListenRestored: (afterMs) => restored.push(afterMs),
    });
    const signals = watchSignals(listening);
    await signals.next();
    const relistened = signals.next();
    const { rowCount } = await adminQuery(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${database}' AND query LIKE 'LISTEN routeguide_notes%'`,
    );
    expect(rowCount).toBe(1);
    // The signal after listening again is the catch-up: readers then read after their position.
    await relistened;
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/terminat/i);
    expect(restored).toHaveLength(1);
    expect(restored[0]).toBeGreaterThanOrEqual(0);
    const notified = signals.next();
    await writer.insertFeatures([{ latitude: 2, longitude: 2, name: 'after the cut' }]);
    await notified;
    expect(await listening.importsAfter(0, 10)).toHaveLength(1);
  }, 20_000);

  it('stops listening at close(): its connection leaves the database', async () => {
    const { database, listening } = await openTwo();
    const signals = watchSignals(listening);
    await signals.next();
    const listeners = `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = '${database}' AND query LIKE 'LISTEN routeguide_notes%'`;
    expect((await adminQuery(listeners)).rows[0].n).toBe(1);
    await listening.close();
    // The backend exits once it reads the client's Terminate; poll for that, bounded by the test's timeout.
    while ((await adminQuery(listeners)).rows[0].n !== 0) await new Promise((resolve) => setTimeout(resolve, 50));
  }, 20_000);
});
