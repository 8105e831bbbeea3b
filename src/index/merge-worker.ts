/** The thread that runs one index merge (see mergeInWorker) and posts the new file's header. */
import { parentPort, workerData } from 'node:worker_threads';
import { mergeRecentIntoFile, type RecentFeatures } from './index-merge.js';
import type { IndexFileOrigin } from './index-file.js';

const { path, recent, origin } = workerData as { path: string; recent: RecentFeatures; origin: IndexFileOrigin };
parentPort!.postMessage(await mergeRecentIntoFile(path, recent, origin));
