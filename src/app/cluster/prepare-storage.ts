import type { Logger } from '../../observability/logger.js';
import { openAppStorage } from '../app-storage.js';
import { seedIfAsked } from '../load-features.js';

export interface PrepareStorageOptions {
  readonly storageUrl: string;
  readonly synchronous?: 'normal' | 'full';
  readonly seedFile?: string;
  readonly empty?: boolean;
  readonly log: Logger;
}

/**
 * What a cluster primary does to the shared storage before it forks, so that its workers never race
 * to do it: opens it (which applies the migrations and removes an unfinished import's features),
 * seeds it if asked or empty, and closes it again. The workers then open it ready to serve.
 */
export async function prepareSharedStorage(options: PrepareStorageOptions): Promise<void> {
  const { log } = options;
  const storage = await openAppStorage(options.storageUrl, {
    synchronous: options.synchronous,
    onMigrated: (names) => {
      if (names.length > 0) log.info({ migrations: names }, 'applied migrations');
    },
    onAbandonedImport: (removed) => log.warn({ import: removed }, 'removed the features of an unfinished import'),
  });
  try {
    await seedIfAsked(storage, options);
  } finally {
    await storage.close();
  }
  log.info({ storage: options.storageUrl }, 'storage prepared for the workers');
}
