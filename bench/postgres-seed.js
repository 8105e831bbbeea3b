// `npm run bench:postgres`: PostgreSQL seeding against its ceiling, in one run on one throwaway
// cluster with PostgreSQL's default settings (fsync=on, synchronous_commit=on). For each round, into
// a fresh migrated database each time:
//   raw    one `COPY features (latitude, longitude, name) FROM STDIN` of the rows, straight into the
//          table (the same rows with duplicate points removed first, since COPY cannot skip them);
//   import routeguide's insertFeatures: COPY into a staging table, then one INSERT ... SELECT ...
//          WHERE NOT EXISTS under a lock that other writers wait for (readers do not), all in one transaction, with the import's bookkeeping.
// Both encode the rows with the same code, inside the timing; generating them is not timed.
// Then addNotes of one note: notes/s from 1 writer and from 16 at once (each note its own commit).
// Prints a table and writes bench/results/postgres-<time>.json. Needs `npm run build` first.
// Options: --n N (default 1000000), --rounds R (default 2), --notes N (default 2000), --random-seed S.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { findPostgresBinaries, INSTALL_HINT, startCluster } from '../scripts/postgres-cluster.js';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '1000000' },
    rounds: { type: 'string', default: '2' },
    notes: { type: 'string', default: '2000' },
    'random-seed': { type: 'string', default: '1' },
  },
});
const n = Number(values.n);
const rounds = Number(values.rounds);
const noteCount = Number(values.notes);
const seed = Number(values['random-seed']);
const log = (line) => process.stderr.write(`bench: ${line}\n`);

const { openStorage } = await import('../dist/storage/open-storage.js');
const { copyFeatures, copyLine } = await import('../dist/storage/postgres/import.js');
const { syntheticFeatures } = await import('../dist/feature-files/synthetic-features.js');

const binaries = findPostgresBinaries();
if (binaries === undefined) {
  console.error(`bench: PostgreSQL is not installed; ${INSTALL_HINT}`);
  process.exit(1);
}
log(`generating ${n} synthetic features (seed ${seed})`);
const rows = [...syntheticFeatures(n, seed)];
const seen = new Set();
const unique = rows.filter((row) => {
  const key = `${row.latitude},${row.longitude}`;
  if (seen.has(key)) return false;
  seen.add(key);
  return true;
});
log(`${unique.length} distinct points of ${rows.length}; both phases load those`);

const cluster = await startCluster(binaries);
let databases = 0;
/** A fresh database with routeguide's schema; resolves with its URL. */
async function freshDatabase() {
  const name = `bench_${databases++}`;
  const admin = new pg.Client({ connectionString: cluster.url('postgres') });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const storage = await openStorage(cluster.url(name));
  await storage.close();
  // A checkpoint now, so that neither phase pays for the one CREATE DATABASE caused.
  const client = new pg.Client({ connectionString: cluster.url(name) });
  await client.connect();
  await client.query('CHECKPOINT');
  await client.end();
  return cluster.url(name);
}

async function rawCopy() {
  const url = await freshDatabase();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const started = performance.now();
  const copied = await copyFeatures(client, 'COPY features (latitude, longitude, name) FROM STDIN', unique, (row) => copyLine(row));
  const seconds = (performance.now() - started) / 1000;
  await client.end();
  return { rows: copied, seconds };
}

async function routeguideImport() {
  const url = await freshDatabase();
  const storage = await openStorage(url);
  const started = performance.now();
  const summary = await storage.insertFeatures(unique);
  const seconds = (performance.now() - started) / 1000;
  await storage.close();
  if (summary.inserted !== unique.length) throw new Error(`import inserted ${summary.inserted} of ${unique.length}`);
  return { rows: summary.inserted, seconds };
}

async function notesPerSecond(writers) {
  const storage = await openStorage(await freshDatabase(), { poolSize: writers });
  const each = Math.ceil(noteCount / writers);
  const started = performance.now();
  await Promise.all(
    Array.from({ length: writers }, async (_, writer) => {
      for (let i = 0; i < each; i++) await storage.addNotes([{ latitude: writer, longitude: i, message: `note ${i}` }]);
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  await storage.close();
  return { notes: each * writers, seconds, perSecond: (each * writers) / seconds };
}

const results = { raw: [], import: [] };
try {
  for (let round = 1; round <= rounds; round++) {
    // Alternate which goes first, so that neither always runs on a warmer (or busier) machine.
    const order = round % 2 === 1 ? ['raw', 'import'] : ['import', 'raw'];
    for (const phase of order) {
      const result = phase === 'raw' ? await rawCopy() : await routeguideImport();
      results[phase].push(result);
      log(`round ${round}: ${phase} ${result.rows} rows in ${result.seconds.toFixed(2)} s (${Math.round(result.rows / result.seconds)} rows/s)`);
    }
  }
  const notes = { oneWriter: await notesPerSecond(1), sixteenWriters: await notesPerSecond(16) };
  const best = (list) => Math.min(...list.map((result) => result.seconds));
  const ratio = best(results.raw) / best(results.import);
  const table = [
    ['phase', 'best seconds', 'rows/s'],
    ['raw COPY into features', best(results.raw).toFixed(2), Math.round(unique.length / best(results.raw))],
    ['routeguide import', best(results.import).toFixed(2), Math.round(unique.length / best(results.import))],
    ['import / raw COPY (rows/s)', `${ratio.toFixed(2)}x`, 'target >= 0.70x'],
    ['1-note addNotes, 1 writer', notes.oneWriter.seconds.toFixed(2), Math.round(notes.oneWriter.perSecond)],
    ['1-note addNotes, 16 writers', notes.sixteenWriters.seconds.toFixed(2), Math.round(notes.sixteenWriters.perSecond)],
  ];
  for (const row of table) console.log(row.map((cell, i) => String(cell).padEnd(i === 0 ? 30 : 16)).join(''));
  const directory = join(root, 'bench/results');
  mkdirSync(directory, { recursive: true });
  const file = join(directory, `postgres-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(
    file,
    JSON.stringify({ n, distinct: unique.length, rounds, cpus: cpus().length, node: process.version, results, ratio, notes }, null, 2) + '\n',
  );
  log(`wrote ${file}`);
} finally {
  cluster.stop();
}
