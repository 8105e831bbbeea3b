// Stores COUNT notes at random points (anywhere on the globe, so none at a feature or at the
// RouteChat phase's points) through the storage's own addNotes, 1,024 a transaction as a busy group
// commit writes them: the RouteChat phase measures a database that already holds many notes.
// Usage: node bench/preload-notes.js STORAGE_URL COUNT [SEED]. Prints JSON.
import { openStorage } from '../dist/storage/open-storage.js';
import { createRandom } from '../dist/feature-files/synthetic-features.js';

const [url, countText, seedText = '1'] = process.argv.slice(2);
const count = Number(countText);
const random = createRandom(Number(seedText) + 3000);
const storage = await openStorage(url);
const started = performance.now();
try {
  for (let stored = 0; stored < count; ) {
    const batch = [];
    for (; batch.length < 1024 && stored < count; stored++) {
      batch.push({
        latitude: Math.floor(random() * 1_799_999_999) - 899_999_999,
        longitude: Math.floor(random() * 3_599_999_999) - 1_799_999_999,
        message: `preloaded note ${stored}`,
      });
    }
    await storage.addNotes(batch);
  }
} finally {
  await storage.close();
}
const seconds = (performance.now() - started) / 1000;
process.stdout.write(JSON.stringify({ notes: count, seconds, perSecond: count / seconds }) + '\n');
