import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { checkStorageAfterListening, type StorageCheck } from '../../src/app/storage-check.js';
import { readStorageUrl } from '../../src/storage/open-storage.js';
import { openSqliteStorage } from '../../src/storage/sqlite/sqlite-storage.js';
import type { Storage } from '../../src/storage/storage.js';
import { captureLog } from '../support/captured-log.js';
import { corruptIndexReadByNothingAtStart } from '../support/corrupt-database.js';
import { temporaryDirectory } from '../support/servers.js';

const directory = temporaryDirectory();
afterAll(() => directory.remove());

describe('checkStorageAfterListening: the integrity check serve runs once it listens', () => {
  const opened: (StorageCheck | Storage)[] = [];
  afterEach(async () => {
    for (const each of opened.splice(0)) 'close' in each ? await each.close() : await each.stop();
  });
  let databases = 0;
  /** A SQLite database with a feature and a note in it, damaged if asked, then open as serve opens it (no check at open). */
  async function servedDatabase(damaged: boolean): Promise<{ url: string; storage: Storage }> {
    const path = join(directory.path, `check-${databases++}.db`);
    const seeding = openSqliteStorage({ path });
    await seeding.insertFeatures([{ latitude: 1, longitude: 1, name: 'here' }]);
    await seeding.addNotes([{ latitude: 1, longitude: 1, message: 'a note' }]);
    await seeding.close();
    if (damaged) corruptIndexReadByNothingAtStart(path);
    const storage = openSqliteStorage({ path, quickCheckAtOpen: false });
    opened.push(storage);
    return { url: `sqlite:${path}`, storage };
  }
  function start(url: string) {
    const log = captureLog();
    let corruptedCalls = 0;
    const check = checkStorageAfterListening(readStorageUrl(url), log.log, () => corruptedCalls++);
    opened.push(check);
    return { check, lines: log.lines, corruptedCalls: () => corruptedCalls };
  }

  it('reports a corrupted SQLite file in one error line naming the problems, and calls onCorrupted once', async () => {
    const { url, storage } = await servedDatabase(true);
    // The damage is in a page start-up does not read.
    expect(await storage.countFeatures()).toBe(1);
    const started = start(url);
    await started.check.finished;
    expect(started.check.corrupted()).toBe(true);
    expect(started.corruptedCalls()).toBe(1);
    expect(started.lines).toEqual([
      expect.objectContaining({ level: 50, storage: url, reason: expect.stringMatching(/^database is corrupted \(quick_check: .+\)$/) }),
    ]);
  });

  it('calls nothing for a sound file, checked on a thread of its own, and says so at debug level', async () => {
    const { url } = await servedDatabase(false);
    const started = start(url);
    // The event loop turns before the outcome is in: the check does not hold this thread.
    let turned = false;
    setImmediate(() => (turned = true));
    await started.check.finished;
    expect(turned).toBe(true);
    expect(started.check.corrupted()).toBe(false);
    expect(started.corruptedCalls()).toBe(0);
    expect(started.lines).toEqual([expect.objectContaining({ level: 20, storage: url, msg: 'storage passed its integrity check' })]);
  });

  it('warns, and serving goes on, when the check cannot run at all', async () => {
    const started = start(`sqlite:${join(directory.path, 'gone.db')}`);
    await started.check.finished;
    expect(started.corruptedCalls()).toBe(0);
    expect(started.lines).toEqual([expect.objectContaining({ level: 40, reason: expect.stringMatching(/unable to open database file/) })]);
  });

  it('reports nothing found after stop()', async () => {
    const { url } = await servedDatabase(true);
    const started = start(url);
    await started.check.stop();
    await started.check.finished;
    expect(started.corruptedCalls()).toBe(0);
    expect(started.lines).toEqual([]);
  });

  it('has nothing to check on memory:', async () => {
    const started = start('memory:');
    await started.check.finished;
    expect(started.check.corrupted()).toBe(false);
    expect(started.lines).toEqual([]);
  });
});
