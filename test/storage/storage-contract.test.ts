import { join } from 'node:path';
import { afterAll } from 'vitest';
import { createMemoryStorage } from '../../src/storage/memory.js';
import { openSqliteStorage } from '../../src/storage/sqlite/sqlite-storage.js';
import { describeStorageContract } from '../support/storage-contract.js';
import { describeStorageFeedsContract } from '../support/storage-feeds-contract.js';
import { describeStorageIdentityContract } from '../support/storage-identity-contract.js';
import { temporaryDirectory } from '../support/servers.js';

const directory = temporaryDirectory();
afterAll(() => directory.remove());

describeStorageContract('memory', () => createMemoryStorage());
describeStorageFeedsContract('memory', () => createMemoryStorage());
describeStorageIdentityContract('memory', () => createMemoryStorage());

let databases = 0;
let current = '';
const openNewSqlite = () => {
  current = join(directory.path, `contract-${databases++}.db`);
  return openSqliteStorage({ path: current });
};
const openSameSqlite = () => openSqliteStorage({ path: current });
describeStorageContract('sqlite', openNewSqlite, openSameSqlite);
describeStorageFeedsContract('sqlite', openNewSqlite, openSameSqlite);
describeStorageIdentityContract('sqlite', openNewSqlite, openSameSqlite);

// The same contract with the note tail (note-tail.ts) moved into note_locations every 2 notes, so
// that lookups, pruning and other connections meet notes on both sides of a move.
const openNewSqliteMovingOften = () => {
  current = join(directory.path, `contract-${databases++}.db`);
  return openSqliteStorage({ path: current, noteTailMoveAt: 2 });
};
const openSameSqliteMovingOften = () => openSqliteStorage({ path: current, noteTailMoveAt: 2 });
describeStorageContract('sqlite, note tail moved every 2 notes', openNewSqliteMovingOften, openSameSqliteMovingOften);
describeStorageFeedsContract('sqlite, note tail moved every 2 notes', openNewSqliteMovingOften, openSameSqliteMovingOften);
