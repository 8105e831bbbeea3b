import type { StorageUrl } from '../../storage/open-storage.js';
import { openAppStorage } from '../app-storage.js';
import { indexFilePath } from '../index-file-location.js';
import { seedIfAsked } from '../load-features.js';
import { prepareIndexFile } from '../open-index.js';
import type { StartOptions } from '../start-app.js';

/**
 * What a cluster primary does to the shared storage before it forks, so that its workers never race
 * to do it: opens it as a worker would (which applies the migrations and removes an unfinished
 * import's features), seeds it if asked or empty, makes the index file current (checksums checked
 * once, here), and closes it again. The workers then open it ready to serve and map the file.
 */
export async function prepareSharedStorage(storageUrl: StorageUrl, options: StartOptions): Promise<void> {
  const { log } = options;
  const storage = await openAppStorage(storageUrl, {
    synchronous: options.synchronous,
    // The primary checks it once the cluster listens (storage-check.ts), as one server would.
    quickCheckAtOpen: false,
    poolSize: options.storagePoolSize,
    connectTimeoutMs: options.storageConnectTimeoutMs,
    password: options.storagePassword,
    onMigrated: (names) => {
      if (names.length > 0) log.info({ migrations: names }, 'applied migrations');
    },
    onAbandonedImport: (removed) => log.warn({ import: removed }, 'removed the features of an unfinished import'),
  });
  try {
    await seedIfAsked(storage, options);
    await prepareIndexFile(storage, indexFilePath(storageUrl.location, await storage.identity(), options.indexDir), log);
  } finally {
    await storage.close();
  }
  log.info({ storage: storageUrl.shown }, 'storage prepared for the workers');
}
