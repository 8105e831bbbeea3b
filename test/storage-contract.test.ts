import { join } from 'node:path';
import { afterAll } from 'vitest';
import { createMemoryStorage } from '../src/storage/memory.js';
import { openSqliteStorage } from '../src/storage/sqlite/sqlite-storage.js';
import { describeStorageContract } from './support/storage-contract.js';
import { temporaryDirectory } from './support/servers.js';

const directory = temporaryDirectory();
afterAll(() => directory.remove());

describeStorageContract('memory', () => createMemoryStorage());

let databases = 0;
let current = '';
describeStorageContract(
  'sqlite',
  () => {
    current = join(directory.path, `contract-${databases++}.db`);
    return openSqliteStorage({ path: current });
  },
  () => openSqliteStorage({ path: current }),
);
