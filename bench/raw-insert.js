// The seeding baseline: the same synthetic rows inserted with bare better-sqlite3 into the project's
// schema (its migrations), one prepared INSERT per row in one transaction, with the pragmas the
// project's import connection uses. Row generation is not timed. Prints JSON.
import Database from 'better-sqlite3';
import { applyMigrations } from '../dist/storage/sqlite/migrations.js';
import { syntheticFeatures } from '../dist/feature-files/synthetic-features.js';

const [path, n, seed] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4] ?? 1)];
const rows = [...syntheticFeatures(n, seed)];
const db = new Database(path);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.pragma('cache_size = -65536');
applyMigrations(db);
const insert = db.prepare('INSERT OR IGNORE INTO features (latitude, longitude, name) VALUES (?, ?, ?)');
const started = performance.now();
db.exec('BEGIN IMMEDIATE');
for (const row of rows) insert.run(row.latitude, row.longitude, row.name);
db.exec('COMMIT');
const seconds = (performance.now() - started) / 1000;
db.close();
process.stdout.write(JSON.stringify({ rows: n, seconds, perSecond: n / seconds }) + '\n');
