// `npm run bench:seed-beside-writer`: what a running server's note writes see while `routeguide seed`
// imports N synthetic features into the same SQLite database. This process plays the server: it opens
// the database through the project's storage (5 s busy timeout, like `serve`) and stores a note every
// few milliseconds while the seed runs in a child process, timing each write, and it checks that the
// import stays invisible until it is complete. Needs `npm run build` first.
// Options: --n N (default 1000000), --batch-rows B (the seed's default if absent), --random-seed S.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { openStorage } from '../dist/storage/open-storage.js';
import { percentile } from './percentile.js';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '1000000' },
    'batch-rows': { type: 'string' },
    'random-seed': { type: 'string', default: '1' },
  },
});
const n = Number(values.n);
const work = mkdtempSync(join(tmpdir(), 'routeguide-seed-beside-'));
const url = `sqlite:${join(work, 'routeguide.db')}`;
const log = (line) => process.stderr.write(`bench: ${line}\n`);

try {
  const server = await openStorage(url);
  await server.insertFeatures([{ name: 'before the import', latitude: 1, longitude: 1 }]);
  const seedArgs = ['bin/routeguide.js', 'seed', '--storage', url, '--synthetic', String(n), '--random-seed', values['random-seed']];
  if (values['batch-rows'] !== undefined) seedArgs.push('--batch-rows', values['batch-rows']);
  log(`seeding ${n} features beside a note writer`);
  const started = performance.now();
  const seed = spawn(process.execPath, seedArgs, { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  let seedOut = '';
  seed.stdout.on('data', (chunk) => (seedOut += chunk));
  let exitCode;
  const exited = new Promise((resolve) => seed.once('exit', (code) => resolve((exitCode = code))));

  const latencies = [];
  const failures = [];
  const visibleCounts = new Set();
  let lastCount = 0;
  while (exitCode === undefined) {
    const before = performance.now();
    try {
      await server.addNotes([{ latitude: 2, longitude: 2, message: `note ${latencies.length}` }]);
      latencies.push(performance.now() - before);
    } catch (error) {
      failures.push(String(error.message ?? error));
    }
    // Counting walks every feature, so not on every round.
    if (performance.now() - lastCount > 1000) {
      visibleCounts.add(await server.countFeatures());
      lastCount = performance.now();
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await exited;
  const seconds = (performance.now() - started) / 1000;
  const finalCount = await server.countFeatures();
  await server.close();
  if (exitCode !== 0) throw new Error(`seed exited with ${exitCode}`);
  latencies.sort((a, b) => a - b);
  const result = {
    n,
    batchRows: values['batch-rows'] ?? 'default',
    seedSeconds: Number(seconds.toFixed(2)),
    seedSummary: seedOut.trim(),
    noteWrites: latencies.length,
    noteWriteFailures: failures.length,
    firstFailures: failures.slice(0, 3),
    noteWriteMs: {
      p50: Number(percentile(latencies, 50).toFixed(2)),
      p99: Number(percentile(latencies, 99).toFixed(2)),
      max: Number(latencies[latencies.length - 1].toFixed(2)),
    },
    // All or nothing: while the seed ran the server saw 1 feature, never a part of the import.
    visibleCountsDuringSeed: [...visibleCounts].sort((a, b) => a - b),
    visibleCountAfter: finalCount,
  };
  console.log(JSON.stringify(result, null, 2));
} finally {
  rmSync(work, { recursive: true, force: true });
}
