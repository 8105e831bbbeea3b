import { beforeEach, describe } from 'vitest';
import { openPostgresStorage } from '../../../src/storage/postgres/postgres-storage.js';
import { parseStorageUrl } from '../../../src/storage/open-storage.js';
import type { PostgresTarget } from '../../../src/storage/postgres/options.js';
import { describeStorageContract } from '../../support/storage-contract.js';
import { describeStorageFeedsContract } from '../../support/storage-feeds-contract.js';
import { describeStorageIdentityContract } from '../../support/storage-identity-contract.js';
import { createTestDatabase, HAVE_POSTGRES } from '../../support/postgres.js';

function targetOf(url: string): PostgresTarget {
  const location = parseStorageUrl(url);
  if (location.scheme !== 'postgres') throw new Error(`not a PostgreSQL URL: ${url}`);
  return location;
}

describe.skipIf(!HAVE_POSTGRES)('PostgreSQL', () => {
  // Each test gets a database of its own; the contract's open() and reopen() both open it, and the
  // feeds contract's sibling is a second storage on it, as a second server would be.
  let current: PostgresTarget;
  beforeEach(async () => {
    current = targetOf(await createTestDatabase('contract'));
  });
  const openCurrent = () => openPostgresStorage({ target: current });
  describeStorageContract('postgres', openCurrent, openCurrent);
  describeStorageFeedsContract('postgres', openCurrent, openCurrent);
  // Its own database at each open: two opens in one test are two databases.
  const openNew = async () => {
    current = targetOf(await createTestDatabase('identity'));
    return openCurrent();
  };
  describeStorageIdentityContract('postgres', openNew, openCurrent);
});
