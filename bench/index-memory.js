// Bytes per feature of the in-memory index, loaded from a seeded SQLite database the way the server
// loads it. Run with --expose-gc. Prints JSON.
import { openSqliteStorage } from '../dist/storage/sqlite/sqlite-storage.js';
import { loadIndex } from '../dist/app/load-features.js';

function used() {
  globalThis.gc();
  globalThis.gc();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
}

const storage = openSqliteStorage({ path: process.argv[2] });
const before = used();
const started = performance.now();
const index = await loadIndex(storage);
const loadSeconds = (performance.now() - started) / 1000;
const bytes = used() - before;
process.stdout.write(JSON.stringify({ features: index.size, bytes, bytesPerFeature: bytes / index.size, loadSeconds }) + '\n');
await storage.close();
